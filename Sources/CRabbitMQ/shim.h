// Bridges rabbitmq-c to Swift. Debian 12 ships 0.11 with flat headers; 0.12+ moved them under rabbitmq-c/.
#ifndef REFGW_CRABBITMQ_SHIM_H
#define REFGW_CRABBITMQ_SHIM_H

#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/ssl_socket.h>
#else
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

// TCP_CORK on or off: while on, the kernel holds partial segments back, so frames written one after another leave
// together. Returns 0, or -1 with errno set.
static inline int refgw_set_cork(int fd, int on) {
    return setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
}

// amqp_login is variadic, which Swift cannot call: this fixes the PLAIN mechanism's arguments.
static inline amqp_rpc_reply_t refgw_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                      int channel_max, int frame_max, int heartbeat,
                                                      const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

// Method numbers and property flags are cast macros, which Swift does not import: re-export them as constants.
static const amqp_method_number_t REFGW_BASIC_ACK = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t REFGW_BASIC_NACK = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t REFGW_BASIC_RETURN = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t REFGW_BASIC_DELIVER = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t REFGW_BASIC_CANCEL = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t REFGW_BASIC_GET_OK = AMQP_BASIC_GET_OK_METHOD;
static const amqp_method_number_t REFGW_CHANNEL_CLOSE = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t REFGW_CHANNEL_CLOSE_OK = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t REFGW_CONNECTION_CLOSE = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t REFGW_CONNECTION_CLOSE_OK = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_method_number_t REFGW_CONNECTION_BLOCKED = AMQP_CONNECTION_BLOCKED_METHOD;
static const amqp_method_number_t REFGW_CONNECTION_UNBLOCKED = AMQP_CONNECTION_UNBLOCKED_METHOD;

static const amqp_flags_t REFGW_FLAG_CONTENT_TYPE = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t REFGW_FLAG_CONTENT_ENCODING = AMQP_BASIC_CONTENT_ENCODING_FLAG;
static const amqp_flags_t REFGW_FLAG_HEADERS = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t REFGW_FLAG_DELIVERY_MODE = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t REFGW_FLAG_PRIORITY = AMQP_BASIC_PRIORITY_FLAG;
static const amqp_flags_t REFGW_FLAG_CORRELATION_ID = AMQP_BASIC_CORRELATION_ID_FLAG;
static const amqp_flags_t REFGW_FLAG_REPLY_TO = AMQP_BASIC_REPLY_TO_FLAG;
static const amqp_flags_t REFGW_FLAG_EXPIRATION = AMQP_BASIC_EXPIRATION_FLAG;
static const amqp_flags_t REFGW_FLAG_MESSAGE_ID = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t REFGW_FLAG_TIMESTAMP = AMQP_BASIC_TIMESTAMP_FLAG;
static const amqp_flags_t REFGW_FLAG_TYPE = AMQP_BASIC_TYPE_FLAG;
static const amqp_flags_t REFGW_FLAG_USER_ID = AMQP_BASIC_USER_ID_FLAG;
static const amqp_flags_t REFGW_FLAG_APP_ID = AMQP_BASIC_APP_ID_FLAG;

#endif
