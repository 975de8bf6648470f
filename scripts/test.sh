#!/usr/bin/env bash
# The whole test suite: starts the services the tests need, builds every module and runs every test, installs the
# library into the local Maven repository, then builds and tests consumer/, an application that depends on the
# installed artifacts through the BOM as a user's project does, and consumer/modular/, the same as a named module on
# the module path. When a JDK 25 is installed under /usr/lib/jvm, the
# core, transport and server-store suites run again on it (the file store does not run on Java 25, and says so).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
./mvnw -B -ntp install "$@"
./mvnw -B -ntp -f consumer/pom.xml verify
./mvnw -B -ntp -f consumer/modular/pom.xml verify
for jdk in /usr/lib/jvm/*-25-* /usr/lib/jvm/*-25; do
  if [ -x "$jdk/bin/java" ]; then
    echo "== the core, transport and server-store suites on $jdk"
    JAVA_HOME="$jdk" ./mvnw -B -ntp verify -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
      -pl scribe-annotations,scribe-core,scribe-testkit,scribe-transport-netty,scribe-store-redis,scribe-store-postgres
    break
  fi
done
