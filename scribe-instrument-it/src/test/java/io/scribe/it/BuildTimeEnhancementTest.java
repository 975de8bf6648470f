package io.scribe.it;

import static io.scribe.it.runtime.Capture.log;
import static io.scribe.it.runtime.Capture.peer;
import static io.scribe.it.runtime.Capture.updated;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.instrument.ScribeInstrumentation;
import io.scribe.it.model.Incident;
import io.scribe.it.model.Ticket;
import io.scribe.it.model.TicketDesk;
import io.scribe.testkit.Network;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The classes of {@code io.scribe.it.model} were enhanced by scribe-maven-plugin (goal enhance, {@code ScribePlugin})
 * when this module was built (the agent of these tests only enhances another package): their changes are recorded
 * and reach a second peer with no call to Scribe in their code.
 */
class BuildTimeEnhancementTest {

    @Test
    void theModelWasEnhancedAtBuildTimeNotByTheAgent() {
        assertThat(ScribeInstrumentation.isEnhanced(Ticket.class)).isTrue();
        assertThat(ScribeInstrumentation.isEnhanced(Incident.class)).isTrue();
        assertThat(Ticket.class.getPackageName()).doesNotStartWith(InstallScribe.RUNTIME_MODEL);
    }

    @Test
    void everyKindOfChangeIsRecordedAndReachesASecondPeer() {
        Network net = new Network(new Random(11));
        Scriber a = peer("a", Ticket.class, Incident.class);
        Scriber b = peer("b", Ticket.class, Incident.class);
        net.link(a, b);
        net.settle();

        var ticket = a.call(() -> new Ticket("t1", "login broken", 2));
        ticket.setTitle("login broken on mobile");
        ticket.setTitle("login broken on mobile");   // same value: nothing
        ticket.setScratch("local");                   // @NotSynced: nothing
        ticket.read();                                 // transient: nothing
        TicketDesk.assign(ticket, "ann");             // a write from another class
        ticket.close("fixed");                        // one update with four fields
        ticket.comments().add("verified");            // in place, outside any method
        var incident = a.call(() -> new Incident("outage", "db"));
        incident.move("cache");
        net.settle();

        assertThat(log(a)).extracting(Scribe::type).containsExactly(
                Scribe.Type.CREATE, Scribe.Type.UPDATE, Scribe.Type.UPDATE, Scribe.Type.UPDATE, Scribe.Type.UPDATE,
                Scribe.Type.CREATE, Scribe.Type.UPDATE);
        assertThat(updated(log(a).get(1))).isEqualTo("{\"title\":\"login broken on mobile\"}");
        assertThat(updated(log(a).get(2))).isEqualTo("{\"assignee\":\"ann\"}");
        assertThat(updated(log(a).get(3))).isEqualTo(
                "{\"priority\":0,\"closed\":true,\"comments\":[\"closed: fixed\"],\"fields\":{\"resolution\":\"fixed\"}}");
        assertThat(log(a).get(5).data().get("priority").asInt()).isEqualTo(1);
        assertThat(log(a).get(5).data().get("service").asText()).isEqualTo("db");
        assertThat(updated(log(a).get(6))).isEqualTo("{\"title\":\"Incident on cache\",\"service\":\"cache\"}");

        assertThat(b.find(Ticket.class, "t1").orElseThrow().toString()).isEqualTo(ticket.toString());
        var onB = b.find(Incident.class, incident.id()).orElseThrow();
        assertThat(onB.service()).isEqualTo("cache");
        assertThat(log(b)).extracting(Scribe::origin).containsOnly("a");

        onB.move("queue");
        net.settle();
        assertThat(incident.service()).isEqualTo("queue");
    }
}
