/** Implementation details of the PostgreSQL store: URL parsing, schema migrations, SQL. Not API. */
package io.scribe.store.postgres.internal;
