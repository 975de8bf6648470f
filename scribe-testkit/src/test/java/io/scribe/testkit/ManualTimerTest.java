package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualTimerTest {

    private final ManualTimer timer = new ManualTimer();
    private final List<String> ran = new ArrayList<>();

    @Test
    void tasksRunOnlyWhenAdvancedInOrderOfDueTimeThenOfScheduling() {
        timer.schedule(() -> ran.add("b at 20"), 20, TimeUnit.MILLISECONDS);
        timer.schedule(() -> ran.add("a at 10"), 10, TimeUnit.MILLISECONDS);
        timer.execute(() -> ran.add("now 1"));
        timer.execute(() -> ran.add("now 2"));
        timer.schedule(() -> ran.add("c at 20"), 20, TimeUnit.MILLISECONDS);
        assertThat(ran).isEmpty();

        assertThat(timer.advance(Duration.ofMillis(15))).isEqualTo(3);
        assertThat(ran).containsExactly("now 1", "now 2", "a at 10");
        assertThat(timer.advance(Duration.ofMillis(5))).isEqualTo(2);
        assertThat(ran).containsExactly("now 1", "now 2", "a at 10", "b at 20", "c at 20");
        assertThat(timer.waiting()).isZero();
    }

    @Test
    void aTaskScheduledByARunningTaskRunsInTheSameAdvanceWhenItFallsDue() {
        timer.schedule(() -> {
            ran.add("first");
            timer.schedule(() -> ran.add("second, 5 ms later"), 5, TimeUnit.MILLISECONDS);
            timer.schedule(() -> ran.add("third, too late"), 50, TimeUnit.MILLISECONDS);
        }, 10, TimeUnit.MILLISECONDS);
        timer.advance(Duration.ofMillis(20));
        assertThat(ran).containsExactly("first", "second, 5 ms later");
        timer.advance(Duration.ofMillis(39));
        assertThat(ran).as("due at 60 ms").hasSize(2);
        timer.advance(Duration.ofMillis(1));
        assertThat(ran).containsExactly("first", "second, 5 ms later", "third, too late");
    }

    @Test
    void periodicTasksRepeatUntilCancelledAndCancelledOnesNeverRun() {
        ScheduledFuture<?> every10 = timer.scheduleWithFixedDelay(() -> ran.add("tick"), 10, 10, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> never = timer.schedule(() -> ran.add("cancelled"), 5, TimeUnit.MILLISECONDS);
        assertThat(never.cancel(false)).isTrue();
        timer.advance(Duration.ofMillis(35));
        assertThat(ran).containsExactly("tick", "tick", "tick");
        every10.cancel(false);
        timer.advance(Duration.ofMillis(100));
        assertThat(ran).hasSize(3);
        assertThat(never.isCancelled()).isTrue();
    }

    @Test
    void aFailingTaskEndsWithItsFailureAndShutdownRefusesNewTasks() throws Exception {
        ScheduledFuture<Integer> fails = timer.schedule(() -> {
            throw new IllegalStateException("boom");
        }, 1, TimeUnit.MILLISECONDS);
        ScheduledFuture<Integer> answers = timer.schedule(() -> 42, 1, TimeUnit.MILLISECONDS);
        assertThatThrownBy(answers::get).isInstanceOf(IllegalStateException.class);
        timer.advance(Duration.ofMillis(1));
        assertThat(answers.get()).isEqualTo(42);
        assertThatThrownBy(fails::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("boom");

        timer.schedule(() -> ran.add("dropped"), 1, TimeUnit.MILLISECONDS);
        assertThat(timer.shutdownNow()).hasSize(1);
        assertThat(timer.isShutdown()).isTrue();
        assertThatThrownBy(() -> timer.execute(() -> ran.add("late"))).isInstanceOf(RejectedExecutionException.class);
        timer.advance(Duration.ofSeconds(1));
        assertThat(ran).isEmpty();
    }
}
