// Helpers shared by the codec shims (internal; not exported to Swift).
#ifndef RFCODEC_COMMON_H
#define RFCODEC_COMMON_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "CCodecShims.h"

static inline void rfcodec_set_message(char *message, size_t capacity, const char *format, ...) {
    if (message == NULL || capacity == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(message, capacity, format, args);
    va_end(args);
}

/// A growable output buffer for encoders (malloc'ed; handed to the caller on success).
typedef struct rfcodec_buffer {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
} rfcodec_buffer;

static inline int rfcodec_buffer_append(rfcodec_buffer *buffer, const uint8_t *bytes, size_t count) {
    if (buffer->failed) return 0;
    if (buffer->size + count > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 65536;
        while (capacity < buffer->size + count) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(buffer->data, capacity);
        if (grown == NULL) { buffer->failed = 1; return 0; }
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, count);
    buffer->size += count;
    return 1;
}
#endif
