/**
 * Scribe's metrics as Micrometer meters: {@link io.scribe.micrometer.ScribeMicrometer} counts what a Scriber does
 * (an {@link io.scribe.core.spi.ScribeMetrics} given to {@code Scriber.Builder.metrics}) and gauges its sessions and
 * how far each peer lags behind it.
 */
package io.scribe.micrometer;
