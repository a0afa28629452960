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

/// Makes room for `size` bytes in all (capacity doubles); 0 if memory ran out.
static inline int rfcodec_buffer_reserve(rfcodec_buffer *buffer, size_t size) {
    if (buffer->failed) return 0;
    if (size > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 65536;
        while (capacity < size) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(buffer->data, capacity);
        if (grown == NULL) { buffer->failed = 1; return 0; }
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    return 1;
}

static inline int rfcodec_buffer_append(rfcodec_buffer *buffer, const uint8_t *bytes, size_t count) {
    if (!rfcodec_buffer_reserve(buffer, buffer->size + count)) return 0;
    memcpy(buffer->data + buffer->size, bytes, count);
    buffer->size += count;
    return 1;
}
/// DWAA/DWAB through OpenEXR's C++ library (exr_dwa.cpp): OpenEXRCore 3.1 cannot code them.
int rfexr_read_dwa(const uint8_t *data, size_t size, int part, int count, const char *const *names,
                   float *const *planes, char *message, size_t capacity);
int rfexr_write_dwa(uint32_t width, uint32_t height, int count, const char *const *names,
                    const float *const *planes, int pixel_type, int compression, int attribute_count,
                    const rfexr_attribute *attributes, uint8_t **out, size_t *out_size, char *message,
                    size_t capacity);

/// "OpenEXR 3.1.5" (defined in exr_codec.c).
void rfexr_version(char *buffer, size_t capacity);
#endif
