// OpenEXR through OpenEXRCore, the library's C API. It never longjmps: every call returns a result
// code. Its default error handler prints to stderr, so every context gets our handler instead, which
// keeps the first message for the caller. Reading and writing go through memory streams.
#include <openexr.h>
#include "common.h"

/// What a context's user data points at: the memory stream and the first error message.
typedef struct exr_stream {
    const uint8_t *data;      // reading
    size_t size;
    rfcodec_buffer output;    // writing (random access: the chunk table is written last)
    size_t written;
    char message[512];
} exr_stream;

struct rfexr_file {
    exr_context_t context;
    exr_stream stream;
    uint8_t *copy;
};

static void exr_on_error(exr_const_context_t context, exr_result_t code, const char *text) {
    void *user = NULL;
    if (exr_get_user_data(context, &user) != EXR_ERR_SUCCESS || user == NULL) return;
    exr_stream *stream = (exr_stream *)user;
    if (stream->message[0] == '\0') {
        rfcodec_set_message(stream->message, sizeof stream->message, "%s", text ? text : exr_get_default_error_message(code));
    }
}

static int64_t exr_read_memory(exr_const_context_t context, void *user, void *buffer, uint64_t count,
                               uint64_t offset, exr_stream_error_func_ptr_t error) {
    (void)context; (void)error;
    exr_stream *stream = (exr_stream *)user;
    if (offset >= stream->size) return 0;
    uint64_t available = stream->size - offset;
    uint64_t n = count < available ? count : available;
    memcpy(buffer, stream->data + offset, (size_t)n);
    return (int64_t)n;
}

static int64_t exr_size_memory(exr_const_context_t context, void *user) {
    (void)context;
    return (int64_t)((exr_stream *)user)->size;
}

static int64_t exr_write_memory(exr_const_context_t context, void *user, const void *buffer, uint64_t count,
                                uint64_t offset, exr_stream_error_func_ptr_t error) {
    (void)context; (void)error;
    exr_stream *stream = (exr_stream *)user;
    rfcodec_buffer *out = &stream->output;
    if (offset > SIZE_MAX / 2 || count > SIZE_MAX / 2) return -1;
    size_t end = (size_t)offset + (size_t)count;
    if (end > out->size) {  // writes may skip ahead (the chunk table is filled in last): zero the gap
        if (!rfcodec_buffer_reserve(out, end)) return -1;
        memset(out->data + out->size, 0, end - out->size);
        out->size = end;
    }
    memcpy(out->data + offset, buffer, (size_t)count);
    return (int64_t)count;
}

/// Copies the library's message (or the generic text for `code`) into the caller's buffer.
static int exr_fail(const exr_stream *stream, exr_result_t code, int result, const char *what,
                    char *message, size_t capacity) {
    const char *detail = stream->message[0] ? stream->message : exr_get_default_error_message(code);
    rfcodec_set_message(message, capacity, "%s: %s", what, detail);
    return result;
}

static int exr_result_kind(exr_result_t code) {
    switch (code) {
    case EXR_ERR_OUT_OF_MEMORY: return RFCODEC_ERR_MEMORY;
    case EXR_ERR_FEATURE_NOT_IMPLEMENTED: return RFCODEC_ERR_UNSUPPORTED;
    default: return RFCODEC_ERR_CORRUPT;
    }
}

int rfexr_open(const uint8_t *data, size_t size, uint64_t max_pixels, rfexr_file **file,
               char *message, size_t capacity) {
    *file = NULL;
    if (size < 4 || data[0] != 0x76 || data[1] != 0x2f || data[2] != 0x31 || data[3] != 0x01) {
        rfcodec_set_message(message, capacity, size == 0 ? "file is empty" : "not an OpenEXR file (bad magic number)");
        return size == 0 ? RFCODEC_ERR_CORRUPT : RFCODEC_ERR_SIGNATURE;
    }
    rfexr_file *f = (rfexr_file *)calloc(1, sizeof *f);
    if (f == NULL) { rfcodec_set_message(message, capacity, "out of memory"); return RFCODEC_ERR_MEMORY; }
    f->copy = (uint8_t *)malloc(size);
    if (f->copy == NULL) { free(f); rfcodec_set_message(message, capacity, "out of memory"); return RFCODEC_ERR_MEMORY; }
    memcpy(f->copy, data, size);
    f->stream.data = f->copy;
    f->stream.size = size;

    exr_context_initializer_t init = EXR_DEFAULT_CONTEXT_INITIALIZER;
    init.error_handler_fn = exr_on_error;
    init.user_data = &f->stream;
    init.read_fn = exr_read_memory;
    init.size_fn = exr_size_memory;
    exr_result_t rv = exr_start_read(&f->context, "<memory>", &init);
    if (rv != EXR_ERR_SUCCESS) {
        int result = exr_fail(&f->stream, rv, exr_result_kind(rv), "cannot read the header", message, capacity);
        rfexr_close(f);
        return result;
    }
    int parts = 0;
    exr_get_count(f->context, &parts);
    for (int part = 0; part < parts; part++) {
        exr_attr_box2i_t window;
        if (exr_get_data_window(f->context, part, &window) != EXR_ERR_SUCCESS) continue;
        int64_t w = (int64_t)window.max.x - window.min.x + 1, h = (int64_t)window.max.y - window.min.y + 1;
        if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > max_pixels) {
            rfcodec_set_message(message, capacity, "part %d: data window %lldx%lld is over the limit of %llu pixels",
                                part, (long long)w, (long long)h, (unsigned long long)max_pixels);
            rfexr_close(f);
            return RFCODEC_ERR_TOO_LARGE;
        }
    }
    *file = f;
    return RFCODEC_OK;
}

void rfexr_close(rfexr_file *file) {
    if (file == NULL) return;
    if (file->context) exr_finish(&file->context);
    free(file->copy);
    free(file);
}

int rfexr_part_count(const rfexr_file *file) {
    int count = 0;
    exr_get_count(file->context, &count);
    return count;
}

int rfexr_part(const rfexr_file *file, int part, rfexr_part_info *info) {
    memset(info, 0, sizeof *info);
    exr_storage_t storage;
    exr_compression_t compression = EXR_COMPRESSION_NONE;
    exr_attr_box2i_t data, display;
    const exr_attr_chlist_t *channels = NULL;
    if (exr_get_storage(file->context, part, &storage) != EXR_ERR_SUCCESS) return RFCODEC_ERR_ARGUMENT;
    exr_get_compression(file->context, part, &compression);
    if (exr_get_data_window(file->context, part, &data) != EXR_ERR_SUCCESS) return RFCODEC_ERR_CORRUPT;
    if (exr_get_display_window(file->context, part, &display) != EXR_ERR_SUCCESS) display = data;
    if (exr_get_channels(file->context, part, &channels) != EXR_ERR_SUCCESS || channels == NULL) return RFCODEC_ERR_CORRUPT;
    const char *name = NULL;
    if (exr_get_name(file->context, part, &name) == EXR_ERR_SUCCESS) info->name = name;
    info->storage = (int32_t)storage;
    info->compression = (int32_t)compression;
    info->data_window[0] = data.min.x; info->data_window[1] = data.min.y;
    info->data_window[2] = data.max.x; info->data_window[3] = data.max.y;
    info->display_window[0] = display.min.x; info->display_window[1] = display.min.y;
    info->display_window[2] = display.max.x; info->display_window[3] = display.max.y;
    info->channel_count = channels->num_channels;
    if (storage == EXR_STORAGE_TILED || storage == EXR_STORAGE_DEEP_TILED) {
        uint32_t tw = 0, th = 0;
        exr_tile_level_mode_t level;
        exr_tile_round_mode_t round;
        if (exr_get_tile_descriptor(file->context, part, &tw, &th, &level, &round) == EXR_ERR_SUCCESS) {
            info->tile_width = (int32_t)tw;
            info->tile_height = (int32_t)th;
        }
    }
    return RFCODEC_OK;
}

int rfexr_channel(const rfexr_file *file, int part, int index, rfexr_channel_info *info) {
    const exr_attr_chlist_t *channels = NULL;
    if (exr_get_channels(file->context, part, &channels) != EXR_ERR_SUCCESS || channels == NULL) return RFCODEC_ERR_CORRUPT;
    if (index < 0 || index >= channels->num_channels) return RFCODEC_ERR_ARGUMENT;
    const exr_attr_chlist_entry_t *entry = &channels->entries[index];
    info->name = entry->name.str;
    info->type = (int32_t)entry->pixel_type;
    info->x_sampling = entry->x_sampling;
    info->y_sampling = entry->y_sampling;
    return RFCODEC_OK;
}

/// Points the decoder's channels at the caller's planes for a chunk at (x, y) of the data window.
/// Channels nobody asked for are decoded into `scratch` (one chunk's worth): OpenEXRCore 3.1's fast
/// unpackers write every channel, so a NULL destination would crash it.
static void exr_aim_decoder(exr_decode_pipeline_t *decoder, int count, const int32_t *wanted, float *const *planes,
                            const int32_t *types, int64_t width, int64_t x, int64_t y, float *scratch) {
    for (int c = 0; c < decoder->channel_count; c++) {
        exr_coding_channel_info_t *channel = &decoder->channels[c];
        channel->decode_to_ptr = (uint8_t *)scratch;
        channel->user_pixel_stride = 4;
        channel->user_line_stride = 4 * decoder->chunk.width;
        channel->user_bytes_per_element = 4;
        channel->user_data_type = channel->data_type == EXR_PIXEL_UINT ? EXR_PIXEL_UINT : EXR_PIXEL_FLOAT;
        for (int i = 0; i < count; i++) {
            if (wanted[i] != c) continue;
            channel->decode_to_ptr = (uint8_t *)(planes[i] + y * width + x);
            channel->user_line_stride = (int32_t)(4 * width);
            channel->user_data_type = types[i] == EXR_PIXEL_UINT ? EXR_PIXEL_UINT : EXR_PIXEL_FLOAT;
        }
    }
}

int rfexr_read(rfexr_file *file, int part, int count, const int32_t *wanted, float *const *planes,
               char *message, size_t capacity) {
    exr_context_t context = file->context;
    file->stream.message[0] = '\0';
    exr_storage_t storage;
    exr_attr_box2i_t window;
    const exr_attr_chlist_t *channels = NULL;
    if (exr_get_storage(context, part, &storage) != EXR_ERR_SUCCESS ||
        exr_get_data_window(context, part, &window) != EXR_ERR_SUCCESS ||
        exr_get_channels(context, part, &channels) != EXR_ERR_SUCCESS || channels == NULL) {
        rfcodec_set_message(message, capacity, "part %d: header is incomplete", part);
        return RFCODEC_ERR_CORRUPT;
    }
    if (storage != EXR_STORAGE_SCANLINE && storage != EXR_STORAGE_TILED) {
        rfcodec_set_message(message, capacity, "part %d: deep images are not supported", part);
        return RFCODEC_ERR_UNSUPPORTED;
    }
    int32_t types[64];
    if (count < 1 || count > 64) { rfcodec_set_message(message, capacity, "bad channel count"); return RFCODEC_ERR_ARGUMENT; }
    for (int i = 0; i < count; i++) {
        if (wanted[i] < 0 || wanted[i] >= channels->num_channels) {
            rfcodec_set_message(message, capacity, "bad channel index %d", wanted[i]);
            return RFCODEC_ERR_ARGUMENT;
        }
        const exr_attr_chlist_entry_t *entry = &channels->entries[wanted[i]];
        if (entry->x_sampling != 1 || entry->y_sampling != 1) {
            rfcodec_set_message(message, capacity, "channel %s is subsampled (%dx%d); subsampled channels are not supported",
                                entry->name.str, entry->x_sampling, entry->y_sampling);
            return RFCODEC_ERR_UNSUPPORTED;
        }
        types[i] = (int32_t)entry->pixel_type;
    }
    const int64_t width = (int64_t)window.max.x - window.min.x + 1;
    const int64_t height = (int64_t)window.max.y - window.min.y + 1;

    exr_compression_t compression = EXR_COMPRESSION_NONE;
    exr_get_compression(context, part, &compression);
    if (compression == EXR_COMPRESSION_DWAA || compression == EXR_COMPRESSION_DWAB) {
        const char *names[64];
        for (int i = 0; i < count; i++) names[i] = channels->entries[wanted[i]].name.str;
        return rfexr_read_dwa(file->stream.data, file->stream.size, part, count, names, planes, message, capacity);
    }

    exr_decode_pipeline_t decoder = EXR_DECODE_PIPELINE_INITIALIZER;
    int initialized = 0;
    float *scratch = NULL;
    exr_result_t rv = EXR_ERR_SUCCESS;
    exr_chunk_info_t chunk;
    const char *what = "cannot decode";

    // Every chunk of the full-resolution level, in file order of rows (scanlines) or tiles.
    int64_t tiles_x = 1, tiles_y = 0, tile_w = width, tile_h = 0;
    if (storage == EXR_STORAGE_TILED) {
        int32_t tw = 0, th = 0;
        rv = exr_get_tile_sizes(context, part, 0, 0, &tw, &th);
        if (rv != EXR_ERR_SUCCESS || tw <= 0 || th <= 0) { what = "bad tile description"; goto failed; }
        tile_w = tw; tile_h = th;
        tiles_x = (width + tile_w - 1) / tile_w;
        tiles_y = (height + tile_h - 1) / tile_h;
    } else {
        int32_t lines = 0;
        rv = exr_get_scanlines_per_chunk(context, part, &lines);
        if (rv != EXR_ERR_SUCCESS || lines <= 0) { what = "bad scanline description"; goto failed; }
        tile_h = lines;
        tiles_y = (height + lines - 1) / lines;
    }
    scratch = (float *)calloc((size_t)(tile_w * tile_h), sizeof(float));
    if (scratch == NULL) { rv = EXR_ERR_OUT_OF_MEMORY; what = "out of memory"; goto failed; }
    for (int64_t ty = 0; ty < tiles_y; ty++) {
        for (int64_t tx = 0; tx < tiles_x; tx++) {
            int64_t x = 0, y = 0;
            if (storage == EXR_STORAGE_TILED) {
                rv = exr_read_tile_chunk_info(context, part, (int)tx, (int)ty, 0, 0, &chunk);
                x = tx * tile_w; y = ty * tile_h;
            } else {
                rv = exr_read_scanline_chunk_info(context, part, (int)(window.min.y + ty * tile_h), &chunk);
                y = (int64_t)chunk.start_y - window.min.y;
            }
            if (rv != EXR_ERR_SUCCESS) { what = "cannot locate a chunk"; goto failed; }
            if (x < 0 || y < 0 || x + chunk.width > width || y + chunk.height > height) {
                rv = EXR_ERR_BAD_CHUNK_LEADER; what = "chunk outside the data window"; goto failed;
            }
            rv = initialized ? exr_decoding_update(context, part, &chunk, &decoder)
                             : exr_decoding_initialize(context, part, &chunk, &decoder);
            if (rv != EXR_ERR_SUCCESS) goto failed;
            initialized = 1;
            if ((int64_t)chunk.width > tile_w || (int64_t)chunk.height > tile_h) {
                rv = EXR_ERR_BAD_CHUNK_LEADER; what = "chunk larger than its tile"; goto failed;
            }
            exr_aim_decoder(&decoder, count, wanted, planes, types, width, x, y, scratch);
            rv = exr_decoding_choose_default_routines(context, part, &decoder);
            if (rv != EXR_ERR_SUCCESS) goto failed;
            rv = exr_decoding_run(context, part, &decoder);
            if (rv != EXR_ERR_SUCCESS) goto failed;
        }
    }
    if (initialized) exr_decoding_destroy(context, &decoder);
    free(scratch);
    // uint channels were decoded as 32-bit integers into the float planes: convert in place.
    for (int i = 0; i < count; i++) {
        if (types[i] != EXR_PIXEL_UINT) continue;
        uint32_t *bits = (uint32_t *)planes[i];
        for (int64_t p = 0; p < width * height; p++) planes[i][p] = (float)bits[p];
    }
    return RFCODEC_OK;

failed:
    if (initialized) exr_decoding_destroy(context, &decoder);
    free(scratch);
    return exr_fail(&file->stream, rv, exr_result_kind(rv), what, message, capacity);
}

int rfexr_write(uint32_t width, uint32_t height, int count, const char *const *names,
                const float *const *planes, int pixel_type, int compression,
                int attribute_count, const rfexr_attribute *attributes,
                uint8_t **out, size_t *out_size, char *message, size_t capacity) {
    *out = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || width > INT32_MAX || height > INT32_MAX || count < 1 || count > 64 ||
        (pixel_type != EXR_PIXEL_HALF && pixel_type != EXR_PIXEL_FLOAT) ||
        compression < 0 || compression >= EXR_COMPRESSION_LAST_TYPE) {
        rfcodec_set_message(message, capacity, "invalid EXR encoder arguments");
        return RFCODEC_ERR_ARGUMENT;
    }
    if (compression == EXR_COMPRESSION_DWAA || compression == EXR_COMPRESSION_DWAB) {
        return rfexr_write_dwa(width, height, count, names, planes, pixel_type, compression, attribute_count, attributes,
                               out, out_size, message, capacity);
    }
    exr_stream stream;
    memset(&stream, 0, sizeof stream);
    exr_context_initializer_t init = EXR_DEFAULT_CONTEXT_INITIALIZER;
    init.error_handler_fn = exr_on_error;
    init.user_data = &stream;
    init.write_fn = exr_write_memory;
    exr_context_t context = NULL;
    exr_encode_pipeline_t encoder = EXR_ENCODE_PIPELINE_INITIALIZER;
    int initialized = 0;
    int part = 0;
    const char *what = "cannot write the header";
    exr_result_t rv = exr_start_write(&context, "<memory>", EXR_WRITE_FILE_DIRECTLY, &init);
    if (rv != EXR_ERR_SUCCESS) goto failed;
    rv = exr_add_part(context, NULL, EXR_STORAGE_SCANLINE, &part);
    if (rv != EXR_ERR_SUCCESS) goto failed;
    rv = exr_initialize_required_attr_simple(context, part, (int32_t)width, (int32_t)height, (exr_compression_t)compression);
    if (rv != EXR_ERR_SUCCESS) goto failed;
    for (int c = 0; c < count; c++) {
        rv = exr_add_channel(context, part, names[c], (exr_pixel_type_t)pixel_type, EXR_PERCEPTUALLY_LOGARITHMIC, 1, 1);
        if (rv != EXR_ERR_SUCCESS) goto failed;
    }
    for (int a = 0; a < attribute_count; a++) {
        rv = attributes[a].is_string ? exr_attr_set_string(context, part, attributes[a].name, attributes[a].text)
                                     : exr_attr_set_float(context, part, attributes[a].name, attributes[a].value);
        if (rv != EXR_ERR_SUCCESS) { what = "cannot set an attribute"; goto failed; }
    }
    rv = exr_write_header(context);
    if (rv != EXR_ERR_SUCCESS) goto failed;

    what = "cannot encode";
    int32_t lines = 0;
    rv = exr_get_scanlines_per_chunk(context, part, &lines);
    if (rv != EXR_ERR_SUCCESS || lines <= 0) goto failed;
    for (int64_t y = 0; y < (int64_t)height; y += lines) {
        exr_chunk_info_t chunk;
        rv = exr_write_scanline_chunk_info(context, part, (int)y, &chunk);
        if (rv != EXR_ERR_SUCCESS) goto failed;
        rv = initialized ? exr_encoding_update(context, part, &chunk, &encoder)
                         : exr_encoding_initialize(context, part, &chunk, &encoder);
        if (rv != EXR_ERR_SUCCESS) goto failed;
        initialized = 1;
        for (int c = 0; c < encoder.channel_count; c++) {
            exr_coding_channel_info_t *channel = &encoder.channels[c];
            channel->encode_from_ptr = NULL;
            for (int i = 0; i < count; i++) {
                if (strcmp(channel->channel_name, names[i]) != 0) continue;
                channel->encode_from_ptr = (const uint8_t *)(planes[i] + y * (int64_t)width);
                channel->user_pixel_stride = 4;
                channel->user_line_stride = (int32_t)(4 * width);
                channel->user_bytes_per_element = 4;
                channel->user_data_type = EXR_PIXEL_FLOAT;
            }
        }
        rv = exr_encoding_choose_default_routines(context, part, &encoder);
        if (rv != EXR_ERR_SUCCESS) goto failed;
        rv = exr_encoding_run(context, part, &encoder);
        if (rv != EXR_ERR_SUCCESS) goto failed;
    }
    exr_encoding_destroy(context, &encoder);
    initialized = 0;
    rv = exr_finish(&context);
    if (rv != EXR_ERR_SUCCESS || stream.output.failed) { what = "cannot finish the file"; goto failed; }
    *out = stream.output.data;
    *out_size = stream.output.size;
    return RFCODEC_OK;

failed:
    if (initialized) exr_encoding_destroy(context, &encoder);
    if (context) exr_finish(&context);
    free(stream.output.data);
    return exr_fail(&stream, rv, stream.output.failed ? RFCODEC_ERR_MEMORY : exr_result_kind(rv), what, message, capacity);
}

void rfexr_version(char *buffer, size_t capacity) {
    int major = 0, minor = 0, patch = 0;
    const char *extra = NULL;
    exr_get_library_version(&major, &minor, &patch, &extra);
    rfcodec_set_message(buffer, capacity, "OpenEXR %d.%d.%d", major, minor, patch);
}
