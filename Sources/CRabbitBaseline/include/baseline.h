// Plain rabbitmq-c publish and consume loops: the yardstick amqp-bench measures the Swift API against.
#ifndef REFGW_BASELINE_H
#define REFGW_BASELINE_H

/// Publishes `count` persistent messages of `size` bytes to `queue` (default exchange) with publisher confirms
/// and at most `window` unconfirmed; returns messages per second, or a negative number on error.
double refgw_baseline_publish(const char *host, int port, const char *user, const char *password, const char *vhost,
                              const char *queue, int count, int size, int window);

/// Consumes and acknowledges `count` messages from `queue` with `prefetch`; returns messages per second.
double refgw_baseline_consume(const char *host, int port, const char *user, const char *password, const char *vhost,
                              const char *queue, int count, int prefetch);

#endif
