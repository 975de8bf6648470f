#!/usr/bin/env python3
"""Aggregates the execution samples of a JFR recording (see docs/BENCHMARKS.md, Transports).

Usage: jfr_top.py RECORDING.jfr [PREFIXES] [--children METHOD]...

Prints the samples per thread (a trailing -N of event-loop names dropped), the top frames by self samples, and the
inclusive samples of every method whose name starts with one of PREFIXES (comma separated, default io.scribe), each
with the threads it ran on; --children METHOD lists what METHOD's samples were spent in, one level down. Shares are of
all execution samples in the recording. Needs the JDK's `jfr` tool on the PATH.
"""
import collections
import re
import subprocess
import sys


def samples(recording):
    text = subprocess.run(['jfr', 'print', '--stack-depth', '256', '--events', 'jdk.ExecutionSample', recording],
                          capture_output=True, text=True, check=True).stdout
    for block in text.split('jdk.ExecutionSample {')[1:]:
        match = re.search(r'sampledThread = "([^"]*)"', block)
        thread = re.sub(r'-\d+$', '', match.group(1)) if match else '?'
        if 'stackTrace = [' not in block:
            continue
        trace = block.split('stackTrace = [', 1)[1].rsplit(']', 1)[0]
        frames = []
        for line in trace.split('\n'):
            line = line.strip()
            if line and line != '...':
                frames.append(re.sub(r'\(.*\)$', '', re.sub(r'\s+line: \d+.*$', '', line)))
        yield thread, frames


def main():
    args = sys.argv[1:]
    children = []
    while '--children' in args:
        i = args.index('--children')
        children.append(args[i + 1])
        del args[i:i + 2]
    recording = args[0]
    prefixes = args[1].split(',') if len(args) > 1 else ['io.scribe']
    all_samples = list(samples(recording))
    n = len(all_samples) or 1
    print(f'{len(all_samples)} execution samples')
    print('\nby thread')
    for thread, count in collections.Counter(t for t, _ in all_samples).most_common(15):
        print(f'{count:6d} {100 * count / n:5.1f}%  {thread}')
    print('\ntop frames (self)')
    for frame, count in collections.Counter(f[0] for _, f in all_samples if f).most_common(25):
        print(f'{count:6d} {100 * count / n:5.1f}%  {frame}')
    print(f'\ninclusive, methods starting with {",".join(prefixes)}')
    inclusive = collections.Counter()
    threads = collections.defaultdict(collections.Counter)
    for thread, frames in all_samples:
        for frame in {f for f in frames if any(f.startswith(p) for p in prefixes)}:
            inclusive[frame] += 1
            threads[frame][thread] += 1
    for frame, count in inclusive.most_common(60):
        on = ', '.join(f'{t} {c}' for t, c in threads[frame].most_common(3))
        print(f'{count:6d} {100 * count / n:5.1f}%  {frame}   [{on}]')
    for method in children:
        below = collections.Counter()
        total = 0
        for _, frames in all_samples:
            at = [i for i, f in enumerate(frames) if f == method]
            if at:
                total += 1
                i = max(at)
                below[frames[i - 1] if i > 0 else '(self)'] += 1
        print(f'\n{method}: {total} samples ({100 * total / n:.1f}%), spent in')
        for frame, count in below.most_common(12):
            print(f'{count:6d} {100 * count / n:5.1f}%  {frame}')


if __name__ == '__main__':
    main()
