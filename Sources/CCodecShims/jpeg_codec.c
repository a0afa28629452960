// JPEG through the classic libjpeg(-turbo) API. Every exported function owns its setjmp.
#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>
#include "common.h"

typedef struct jpeg_context {
    struct jpeg_error_mgr manager;  // must be first: libjpeg hands us a pointer to it
    jmp_buf jump;
    char *message;
    size_t capacity;
    int code;
} jpeg_context;

static void jpeg_on_error(j_common_ptr cinfo) {
    jpeg_context *context = (jpeg_context *)cinfo->err;
    if (context->code == RFCODEC_OK) context->code = RFCODEC_ERR_CORRUPT;
    if (context->message[0] == '\0') {
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        rfcodec_set_message(context->message, context->capacity, "%s", text);
    }
    longjmp(context->jump, 1);
}

/// Warnings (level -1) mean corrupt data, e.g. a truncated scan filled with grey: refuse them,
/// so a damaged frame is reported instead of rendered. Trace messages (level >= 0) are ignored.
static void jpeg_on_message(j_common_ptr cinfo, int level) {
    if (level < 0) jpeg_on_error(cinfo);
}

static void jpeg_silent_output(j_common_ptr cinfo) { (void)cinfo; }

static void jpeg_install_errors(jpeg_context *context, char *message, size_t capacity) {
    jpeg_std_error(&context->manager);
    context->manager.error_exit = jpeg_on_error;
    context->manager.emit_message = jpeg_on_message;
    context->manager.output_message = jpeg_silent_output;
    context->message = message;
    context->capacity = capacity;
    context->code = RFCODEC_OK;
}

static int jpeg_check_start(const uint8_t *data, size_t size, char *message, size_t capacity) {
    if (size == 0) {
        rfcodec_set_message(message, capacity, "file is empty");
        return RFCODEC_ERR_CORRUPT;
    }
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        rfcodec_set_message(message, capacity, "not a JPEG file (bad signature)");
        return RFCODEC_ERR_SIGNATURE;
    }
    return RFCODEC_OK;
}

static int jpeg_decode_impl(const uint8_t *data, size_t size, uint64_t max_pixels, rfcodec_info *info,
                            void **pixels, char *message, size_t capacity, int header_only) {
    if (message && capacity) message[0] = '\0';
    memset(info, 0, sizeof *info);
    if (pixels) *pixels = NULL;
    int code = jpeg_check_start(data, size, message, capacity);
    if (code != RFCODEC_OK) return code;

    struct jpeg_decompress_struct cinfo;
    jpeg_context context;
    jpeg_install_errors(&context, message, capacity);
    cinfo.err = &context.manager;
    uint8_t *volatile buffer = NULL;
    if (setjmp(context.jump)) {
        free(buffer);
        jpeg_destroy_decompress(&cinfo);
        return context.code;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    info->width = cinfo.image_width;
    info->height = cinfo.image_height;
    info->source_bit_depth = 8;
    info->source_color_type = (uint32_t)cinfo.num_components;
    info->interlaced = jpeg_has_multiple_scans(&cinfo) ? 1 : 0;
    info->bit_depth = 8;
    if (cinfo.jpeg_color_space == JCS_GRAYSCALE) {
        cinfo.out_color_space = JCS_GRAYSCALE;
        info->channels = 1;
    } else if (cinfo.jpeg_color_space == JCS_YCbCr || cinfo.jpeg_color_space == JCS_RGB) {
        cinfo.out_color_space = JCS_RGB;
        info->channels = 3;
    } else {
        context.code = RFCODEC_ERR_UNSUPPORTED;
        rfcodec_set_message(message, capacity, "unsupported JPEG colour space (CMYK/YCCK, %d components)",
                            cinfo.num_components);
        longjmp(context.jump, 1);
    }
    if (header_only) {
        jpeg_destroy_decompress(&cinfo);
        return RFCODEC_OK;
    }
    if ((uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height > max_pixels) {
        context.code = RFCODEC_ERR_TOO_LARGE;
        rfcodec_set_message(message, capacity, "declared size %ux%u exceeds the limit of %llu pixels",
                            cinfo.image_width, cinfo.image_height, (unsigned long long)max_pixels);
        longjmp(context.jump, 1);
    }
    jpeg_start_decompress(&cinfo);
    size_t row_bytes = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    buffer = (uint8_t *)malloc(row_bytes * cinfo.output_height);
    if (buffer == NULL) {
        context.code = RFCODEC_ERR_MEMORY;
        rfcodec_set_message(message, capacity, "out of memory for %ux%u pixels", cinfo.output_width,
                            cinfo.output_height);
        longjmp(context.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + (size_t)cinfo.output_scanline * row_bytes;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *pixels = buffer;
    return RFCODEC_OK;
}

int rfcodec_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, rfcodec_info *info,
                        void **pixels, char *message, size_t capacity) {
    return jpeg_decode_impl(data, size, max_pixels, info, pixels, message, capacity, 0);
}

int rfcodec_jpeg_read_header(const uint8_t *data, size_t size, rfcodec_info *info, char *message,
                             size_t capacity) {
    return jpeg_decode_impl(data, size, 0, info, NULL, message, capacity, 1);
}

int rfcodec_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                        int quality, int progressive, uint8_t **out, size_t *out_size, char *message,
                        size_t capacity) {
    if (message && capacity) message[0] = '\0';
    *out = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || width > 65500 || height > 65500 || (channels != 1 && channels != 3) ||
        quality < 1 || quality > 100) {
        rfcodec_set_message(message, capacity, "invalid JPEG encode arguments");
        return RFCODEC_ERR_ARGUMENT;
    }
    struct jpeg_compress_struct cinfo;
    jpeg_context context;
    jpeg_install_errors(&context, message, capacity);
    cinfo.err = &context.manager;
    unsigned char *volatile memory = NULL;
    unsigned long memory_size = 0;
    if (setjmp(context.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(memory);
        return context.code;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *destination = NULL;
    jpeg_mem_dest(&cinfo, &destination, &memory_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = (int)channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (channels == 3 && quality >= 90) {
        cinfo.comp_info[0].h_samp_factor = 1;
        cinfo.comp_info[0].v_samp_factor = 1;
    }
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    memory = destination;
    size_t row_bytes = (size_t)width * channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
        memory = destination;
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = destination;
    *out_size = (size_t)memory_size;
    return RFCODEC_OK;
}

#define RFCODEC_STRINGIFY2(x) #x
#define RFCODEC_STRINGIFY(x) RFCODEC_STRINGIFY2(x)

void rfcodec_versions(char *buffer, size_t capacity) {
#ifdef LIBJPEG_TURBO_VERSION
    const char *jpeg = "libjpeg-turbo " RFCODEC_STRINGIFY(LIBJPEG_TURBO_VERSION);
#else
    const char *jpeg = "libjpeg " RFCODEC_STRINGIFY(JPEG_LIB_VERSION);
#endif
    char exr[64];
    rfexr_version(exr, sizeof exr);
    rfcodec_set_message(buffer, capacity, "libpng %s, %s, zlib %s, %s", png_get_libpng_ver(NULL), jpeg, zlibVersion(), exr);
}
