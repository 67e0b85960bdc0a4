import CRabbitMQ
import Foundation

/// Owns the C memory that rabbitmq-c reads during one call: strings, tables, arrays.
///
/// `amqp_cstring_bytes(swiftString)` would leave a dangling pointer, so every byte handed to rabbitmq-c is copied
/// here and freed when the arena goes away (after the call that used it).
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { reset() }

    /// Frees everything allocated so far; pointers handed out before become invalid.
    func reset() {
        for b in blocks { free(b) }
        blocks.removeAll(keepingCapacity: true)
    }

    private func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        let p = malloc(max(count, 1))!
        blocks.append(p)
        return p
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        var s = string
        return s.withUTF8 { utf8 in bytes(UnsafeRawBufferPointer(utf8)) }
    }

    func bytes(_ raw: UnsafeRawBufferPointer) -> amqp_bytes_t {
        let p = allocate(raw.count)
        if raw.count > 0 { p.copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
        return amqp_bytes_t(len: raw.count, bytes: p)
    }

    func bytes(_ array: [UInt8]) -> amqp_bytes_t {
        array.withUnsafeBytes { bytes($0) }
    }

    func table(_ table: AMQPFieldTable) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = allocate(MemoryLayout<amqp_table_entry_t>.stride * table.count)
            .bindMemory(to: amqp_table_entry_t.self, capacity: table.count)
        // Sorted so that the bytes on the wire do not depend on dictionary order.
        for (i, (key, value)) in table.sorted(by: { $0.key < $1.key }).enumerated() {
            entries[i] = amqp_table_entry_t(key: bytes(key), value: field(value))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    func field(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var f = amqp_field_value_t()
        switch value {
        case .bool(let b):
            f.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            f.value.boolean = b ? 1 : 0
        case .int(let i):
            f.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            f.value.i64 = i
        case .double(let d):
            f.kind = UInt8(AMQP_FIELD_KIND_F64.rawValue)
            f.value.f64 = d
        case .string(let s):
            f.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            f.value.bytes = bytes(s)
        case .bytes(let b):
            f.kind = UInt8(AMQP_FIELD_KIND_BYTES.rawValue)
            f.value.bytes = bytes(b)
        case .timestamp(let t):
            f.kind = UInt8(AMQP_FIELD_KIND_TIMESTAMP.rawValue)
            f.value.u64 = t
        case .array(let items):
            f.kind = UInt8(AMQP_FIELD_KIND_ARRAY.rawValue)
            let p = allocate(MemoryLayout<amqp_field_value_t>.stride * max(items.count, 1))
                .bindMemory(to: amqp_field_value_t.self, capacity: max(items.count, 1))
            for (i, item) in items.enumerated() { p[i] = field(item) }
            f.value.array = amqp_array_t(num_entries: Int32(items.count), entries: p)
        case .table(let t):
            f.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
            f.value.table = table(t)
        case .void:
            f.kind = UInt8(AMQP_FIELD_KIND_VOID.rawValue)
        }
        return f
    }
}

// MARK: - Reading rabbitmq-c values into Swift

extension amqp_bytes_t {
    /// The bytes as a Swift string (UTF-8, invalid sequences repaired).
    var string: String {
        guard len > 0, let bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    var data: Data {
        guard len > 0, let bytes else { return Data() }
        return Data(bytes: bytes, count: len)
    }

    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }
}

extension amqp_table_t {
    var swiftTable: AMQPFieldTable {
        var t = AMQPFieldTable(minimumCapacity: Int(num_entries))
        for i in 0..<Int(num_entries) {
            let e = entries[i]
            t[e.key.string] = e.value.swiftValue
        }
        return t
    }
}

extension amqp_field_value_t {
    var swiftValue: AMQPFieldValue {
        switch UInt32(kind) {
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: return .bool(value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: return .int(Int64(value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: return .int(Int64(value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: return .int(Int64(value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: return .int(Int64(value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: return .int(Int64(value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: return .int(Int64(value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: return .int(value.i64)
        case AMQP_FIELD_KIND_U64.rawValue: return .int(Int64(clamping: value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: return .double(Double(value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: return .double(value.f64)
        case AMQP_FIELD_KIND_UTF8.rawValue: return .string(value.bytes.string)
        case AMQP_FIELD_KIND_BYTES.rawValue: return .bytes(value.bytes.array)
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue: return .timestamp(value.u64)
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            let a = value.array
            return .array((0..<Int(a.num_entries)).map { a.entries[$0].swiftValue })
        case AMQP_FIELD_KIND_TABLE.rawValue: return .table(value.table.swiftTable)
        case AMQP_FIELD_KIND_DECIMAL.rawValue:
            let d = value.decimal
            return .double(Double(d.value) / pow(10, Double(d.decimals)))
        default: return .void
        }
    }
}

extension amqp_basic_properties_t {
    /// Fills the C struct from Swift properties, with every string owned by `arena`.
    init(_ p: AMQPProperties, arena: CArena) {
        self.init()
        var flags: amqp_flags_t = REFGW_FLAG_DELIVERY_MODE
        delivery_mode = p.persistent ? 2 : 1
        if let v = p.contentType {
            content_type = arena.bytes(v)
            flags |= REFGW_FLAG_CONTENT_TYPE
        }
        if let v = p.contentEncoding {
            content_encoding = arena.bytes(v)
            flags |= REFGW_FLAG_CONTENT_ENCODING
        }
        if !p.headers.isEmpty {
            headers = arena.table(p.headers)
            flags |= REFGW_FLAG_HEADERS
        }
        if let v = p.priority {
            priority = v
            flags |= REFGW_FLAG_PRIORITY
        }
        if let v = p.correlationID {
            correlation_id = arena.bytes(v)
            flags |= REFGW_FLAG_CORRELATION_ID
        }
        if let v = p.replyTo {
            reply_to = arena.bytes(v)
            flags |= REFGW_FLAG_REPLY_TO
        }
        if let v = p.expiration {
            expiration = arena.bytes(v)
            flags |= REFGW_FLAG_EXPIRATION
        }
        if let v = p.messageID {
            message_id = arena.bytes(v)
            flags |= REFGW_FLAG_MESSAGE_ID
        }
        if let v = p.timestamp {
            timestamp = v
            flags |= REFGW_FLAG_TIMESTAMP
        }
        if let v = p.type {
            type = arena.bytes(v)
            flags |= REFGW_FLAG_TYPE
        }
        if let v = p.userID {
            user_id = arena.bytes(v)
            flags |= REFGW_FLAG_USER_ID
        }
        if let v = p.appID {
            app_id = arena.bytes(v)
            flags |= REFGW_FLAG_APP_ID
        }
        _flags = flags
    }

    /// The Swift view of properties read from the wire.
    var swiftProperties: AMQPProperties {
        func has(_ f: amqp_flags_t) -> Bool { _flags & f != 0 }
        return AMQPProperties(
            contentType: has(REFGW_FLAG_CONTENT_TYPE) ? content_type.string : nil,
            contentEncoding: has(REFGW_FLAG_CONTENT_ENCODING) ? content_encoding.string : nil,
            persistent: has(REFGW_FLAG_DELIVERY_MODE) && delivery_mode == 2,
            priority: has(REFGW_FLAG_PRIORITY) ? priority : nil,
            correlationID: has(REFGW_FLAG_CORRELATION_ID) ? correlation_id.string : nil,
            replyTo: has(REFGW_FLAG_REPLY_TO) ? reply_to.string : nil,
            expiration: has(REFGW_FLAG_EXPIRATION) ? expiration.string : nil,
            messageID: has(REFGW_FLAG_MESSAGE_ID) ? message_id.string : nil,
            timestamp: has(REFGW_FLAG_TIMESTAMP) ? timestamp : nil,
            type: has(REFGW_FLAG_TYPE) ? type.string : nil,
            userID: has(REFGW_FLAG_USER_ID) ? user_id.string : nil,
            appID: has(REFGW_FLAG_APP_ID) ? app_id.string : nil,
            headers: has(REFGW_FLAG_HEADERS) ? headers.swiftTable : [:])
    }
}
