/** Implementation details of the Redis store: URL parsing and the commit script. Not API. */
package io.scribe.store.redis.internal;
