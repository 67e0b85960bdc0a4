#include "baseline.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <amqp.h>
#include <amqp_tcp_socket.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static amqp_connection_state_t open_connection(const char *host, int port, const char *user, const char *password,
                                               const char *vhost) {
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(conn);
    if (!socket || amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) { amqp_destroy_connection(conn); return NULL; }
    amqp_rpc_reply_t r = amqp_login(conn, vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, user, password);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) { amqp_destroy_connection(conn); return NULL; }
    amqp_channel_open(conn, 1);
    if (amqp_get_rpc_reply(conn).reply_type != AMQP_RESPONSE_NORMAL) { amqp_destroy_connection(conn); return NULL; }
    return conn;
}

static void close_connection(amqp_connection_state_t conn) {
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

double refgw_baseline_publish(const char *host, int port, const char *user, const char *password, const char *vhost,
                              const char *queue, int count, int size, int window) {
    amqp_connection_state_t conn = open_connection(host, port, user, password, vhost);
    if (!conn) return -1;
    amqp_confirm_select(conn, 1);
    if (amqp_get_rpc_reply(conn).reply_type != AMQP_RESPONSE_NORMAL) { close_connection(conn); return -2; }
    char *body = malloc(size);
    memset(body, 'x', size);
    amqp_basic_properties_t props;
    memset(&props, 0, sizeof props);
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = 2;
    props.content_type = amqp_cstring_bytes("application/json");
    amqp_bytes_t body_bytes = { (size_t)size, body };
    uint64_t sent = 0, confirmed = 0;
    double start = now();
    while (confirmed < (uint64_t)count) {
        while (sent < (uint64_t)count && sent - confirmed < (uint64_t)window) {
            if (amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, &props, body_bytes) != AMQP_STATUS_OK) {
                free(body); close_connection(conn); return -3;
            }
            sent++;
        }
        amqp_frame_t frame;
        if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) { free(body); close_connection(conn); return -4; }
        if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *ack = frame.payload.method.decoded;
            // Delivery tags are 1-based and consecutive on this channel.
            if (ack->multiple) { if (ack->delivery_tag > confirmed) confirmed = ack->delivery_tag; }
            else confirmed++;
        }
        amqp_maybe_release_buffers(conn);
    }
    double rate = count / (now() - start);
    free(body);
    close_connection(conn);
    return rate;
}

double refgw_baseline_consume(const char *host, int port, const char *user, const char *password, const char *vhost,
                              const char *queue, int count, int prefetch) {
    amqp_connection_state_t conn = open_connection(host, port, user, password, vhost);
    if (!conn) return -1;
    amqp_basic_qos(conn, 1, 0, (uint16_t)prefetch, 0);
    amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    if (amqp_get_rpc_reply(conn).reply_type != AMQP_RESPONSE_NORMAL) { close_connection(conn); return -2; }
    double start = now();
    for (int i = 0; i < count; i++) {
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t r = amqp_consume_message(conn, &envelope, NULL, 0);
        if (r.reply_type != AMQP_RESPONSE_NORMAL) { close_connection(conn); return -3; }
        amqp_basic_ack(conn, 1, envelope.delivery_tag, 0);
        amqp_destroy_envelope(&envelope);
    }
    double rate = count / (now() - start);
    close_connection(conn);
    return rate;
}
