/**
 * A Scribe application as a named module. Scribe's jars are automatic modules (they declare no dependencies), so the
 * application requires the modules Scribe uses besides its own: Jackson (with its java.time support) and SLF4J.
 */
module com.example.notes {
    requires io.scribe.annotations;
    requires io.scribe.core;
    requires io.scribe.transport.netty;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires org.slf4j;

    // Scribe constructs the synced objects it receives and sets their fields by reflection.
    opens com.example.notes to io.scribe.core;
}
