// PNG through libpng's full API. Every exported function owns its setjmp; all callbacks are C.
#include <png.h>
#include <setjmp.h>
#include <zlib.h>
#include "common.h"

typedef struct png_source {
    const uint8_t *data;
    size_t size;
    size_t offset;
} png_source;

typedef struct png_context {
    char *message;
    size_t capacity;
    int code;
} png_context;

static void png_on_error(png_structp png, png_const_charp text) {
    png_context *context = (png_context *)png_get_error_ptr(png);
    if (context->code == RFCODEC_OK) context->code = RFCODEC_ERR_CORRUPT;
    if (context->message[0] == '\0') rfcodec_set_message(context->message, context->capacity, "%s", text);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp text) {
    (void)png; (void)text;  // Ancillary problems (bad CRC in a text chunk...) are not fatal; stay silent.
}

static void png_read_memory(png_structp png, png_bytep out, size_t count) {
    png_source *source = (png_source *)png_get_io_ptr(png);
    if (count > source->size - source->offset) {
        png_context *context = (png_context *)png_get_error_ptr(png);
        context->code = RFCODEC_ERR_CORRUPT;
        rfcodec_set_message(context->message, context->capacity,
                            "file is truncated (needed %zu more bytes at offset %zu of %zu)",
                            count, source->offset, source->size);
        png_error(png, "truncated");
    }
    memcpy(out, source->data + source->offset, count);
    source->offset += count;
}

static int png_check_signature(const uint8_t *data, size_t size, char *message, size_t capacity) {
    if (size == 0) {
        rfcodec_set_message(message, capacity, "file is empty");
        return RFCODEC_ERR_CORRUPT;
    }
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        rfcodec_set_message(message, capacity, "not a PNG file (bad signature)");
        return RFCODEC_ERR_SIGNATURE;
    }
    return RFCODEC_OK;
}

static void png_fill_info(png_structp png, png_infop info, rfcodec_info *out) {
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->source_bit_depth = png_get_bit_depth(png, info);
    out->source_color_type = png_get_color_type(png, info);
    out->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    out->has_color_info = png_get_valid(png, info, PNG_INFO_gAMA | PNG_INFO_sRGB | PNG_INFO_iCCP) != 0;
    out->channels = png_get_channels(png, info);
    out->bit_depth = png_get_bit_depth(png, info);
}

/// Creates the read structs (no setjmp needed yet: nothing here can longjmp).
static int png_create_reader(png_context *context, png_structp *png, png_infop *info) {
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, context, png_on_error, png_on_warning);
    *info = *png ? png_create_info_struct(*png) : NULL;
    if (*info == NULL) {
        if (*png) png_destroy_read_struct(png, NULL, NULL);
        rfcodec_set_message(context->message, context->capacity, "out of memory");
        return RFCODEC_ERR_MEMORY;
    }
    return RFCODEC_OK;
}

int rfcodec_png_read_header(const uint8_t *data, size_t size, rfcodec_info *info,
                            char *message, size_t capacity) {
    if (message && capacity) message[0] = '\0';
    memset(info, 0, sizeof *info);
    int code = png_check_signature(data, size, message, capacity);
    if (code != RFCODEC_OK) return code;
    png_context context = {message, capacity, RFCODEC_OK};
    png_source source = {data, size, 0};
    png_structp png;
    png_infop pinfo;
    if (png_create_reader(&context, &png, &pinfo) != RFCODEC_OK) return RFCODEC_ERR_MEMORY;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &pinfo, NULL);
        return context.code == RFCODEC_OK ? RFCODEC_ERR_CORRUPT : context.code;
    }
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_read_fn(png, &source, png_read_memory);
    png_read_info(png, pinfo);
    png_fill_info(png, pinfo, info);
    png_destroy_read_struct(&png, &pinfo, NULL);
    return RFCODEC_OK;
}

int rfcodec_png_decode_into(const uint8_t *data, size_t size, uint64_t max_pixels, rfcodec_info *info,
                            void *pixels, size_t pixels_size, char *message, size_t capacity) {
    if (message && capacity) message[0] = '\0';
    memset(info, 0, sizeof *info);
    int code = png_check_signature(data, size, message, capacity);
    if (code != RFCODEC_OK) return code;

    png_context context = {message, capacity, RFCODEC_OK};
    png_source source = {data, size, 0};
    png_structp png;
    png_infop pinfo;
    if (png_create_reader(&context, &png, &pinfo) != RFCODEC_OK) return RFCODEC_ERR_MEMORY;
    // Changed after setjmp, so volatile: the error branch must see its current value.
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &pinfo, NULL);
        return context.code == RFCODEC_OK ? RFCODEC_ERR_CORRUPT : context.code;
    }
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_read_fn(png, &source, png_read_memory);
#ifdef PNG_IGNORE_ADLER32
    // Every chunk's CRC-32 (checked) already covers the compressed bytes; zlib's own Adler-32 of the
    // inflated data costs ~10 % of a decode and would only catch a bug in zlib itself.
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    png_read_info(png, pinfo);

    uint32_t width = png_get_image_width(png, pinfo);
    uint32_t height = png_get_image_height(png, pinfo);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        context.code = RFCODEC_ERR_TOO_LARGE;
        rfcodec_set_message(message, capacity,
                            "declared size %ux%u exceeds the limit of %llu pixels", width, height,
                            (unsigned long long)max_pixels);
        png_error(png, "too large");
    }
    png_fill_info(png, pinfo, info);

    // Expand to 8/16-bit gray, gray+alpha, RGB or RGBA. No gamma or colour transforms, ever.
    int color_type = png_get_color_type(png, pinfo);
    int bit_depth = png_get_bit_depth(png, pinfo);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, pinfo, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);  // PNG is big-endian; hand out host order.
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, pinfo);

    uint32_t channels = png_get_channels(png, pinfo);
    uint32_t depth = png_get_bit_depth(png, pinfo);
    size_t row_bytes = png_get_rowbytes(png, pinfo);
    if (row_bytes != (size_t)width * channels * (depth / 8)) {
        context.code = RFCODEC_ERR_UNSUPPORTED;
        rfcodec_set_message(message, capacity, "unexpected row layout after expansion");
        png_error(png, "layout");
    }
    info->channels = channels;
    info->bit_depth = depth;
    if (pixels == NULL) {  // the layout only
        png_destroy_read_struct(&png, &pinfo, NULL);
        return RFCODEC_OK;
    }
    if (pixels_size != row_bytes * height) {
        context.code = RFCODEC_ERR_ARGUMENT;
        rfcodec_set_message(message, capacity, "pixel buffer of %zu bytes for %zu", pixels_size, row_bytes * height);
        png_error(png, "buffer");
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (rows == NULL) {
        context.code = RFCODEC_ERR_MEMORY;
        rfcodec_set_message(message, capacity, "out of memory for %ux%u pixels", width, height);
        png_error(png, "memory");
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = (uint8_t *)pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &pinfo, NULL);
    return RFCODEC_OK;
}

static void png_write_memory(png_structp png, png_bytep bytes, size_t count) {
    rfcodec_buffer *buffer = (rfcodec_buffer *)png_get_io_ptr(png);
    if (!rfcodec_buffer_append(buffer, bytes, count)) {
        png_context *context = (png_context *)png_get_error_ptr(png);
        context->code = RFCODEC_ERR_MEMORY;
        rfcodec_set_message(context->message, context->capacity, "out of memory while encoding");
        png_error(png, "memory");
    }
}

static void png_flush_memory(png_structp png) { (void)png; }

int rfcodec_png_encode(const void *pixels, uint32_t width, uint32_t height, uint32_t channels,
                       uint32_t bit_depth, int compression_level, int filter,
                       uint8_t **out, size_t *out_size, char *message, size_t capacity) {
    if (message && capacity) message[0] = '\0';
    *out = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16) ||
        compression_level < 0 || compression_level > 9 || filter < -1 || filter > 4) {
        rfcodec_set_message(message, capacity, "invalid PNG encode arguments");
        return RFCODEC_ERR_ARGUMENT;
    }
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    png_context context = {message, capacity, RFCODEC_OK};
    rfcodec_buffer buffer = {NULL, 0, 0, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, png_on_error, png_on_warning);
    if (png == NULL) { rfcodec_set_message(message, capacity, "out of memory"); return RFCODEC_ERR_MEMORY; }
    png_infop pinfo = png_create_info_struct(png);
    if (pinfo == NULL) {
        png_destroy_write_struct(&png, NULL);
        rfcodec_set_message(message, capacity, "out of memory");
        return RFCODEC_ERR_MEMORY;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(buffer.data);
        png_destroy_write_struct(&png, &pinfo);
        return context.code == RFCODEC_OK ? RFCODEC_ERR_CORRUPT : context.code;
    }
    png_set_write_fn(png, &buffer, png_write_memory, png_flush_memory);
    png_set_compression_level(png, compression_level);
    png_set_compression_strategy(png, compression_level <= 2 ? Z_RLE : Z_DEFAULT_STRATEGY);
    static const int filters[5] = {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_FILTER_AVG, PNG_FILTER_PAETH};
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filter < 0 ? PNG_ALL_FILTERS : filters[filter]);
    png_set_IHDR(png, pinfo, width, height, (int)bit_depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_write_info(png, pinfo);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);
    }
    size_t row_bytes = (size_t)width * channels * (bit_depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (rows == NULL) {
        context.code = RFCODEC_ERR_MEMORY;
        rfcodec_set_message(message, capacity, "out of memory");
        png_error(png, "memory");
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &pinfo);
    *out = buffer.data;
    *out_size = buffer.size;
    return RFCODEC_OK;
}

void rfcodec_free(void *buffer) { free(buffer); }
