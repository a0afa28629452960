// CCodecShims: the only code in RackFocus that talks to libpng and libjpeg directly.
//
// Rules (see README, "Codec safety"):
//  * One exported function per whole operation. Its own stack frame holds the setjmp, and every
//    libpng/libjpeg call runs below it, so a longjmp never crosses a Swift frame.
//  * Everything works on memory buffers; Swift does the file I/O before and after.
//  * Libraries never print: warnings are recorded or turned into errors, errors become a
//    message in the caller's buffer and a non-zero return code.
//  * No global state: every call owns its structs, so calls may run on many threads at once.
#ifndef RFCODEC_SHIMS_H
#define RFCODEC_SHIMS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes. RFCODEC_OK is success; every other value comes with a message.
enum {
    RFCODEC_OK = 0,
    RFCODEC_ERR_SIGNATURE = 1,    ///< not this format at all
    RFCODEC_ERR_CORRUPT = 2,      ///< truncated, bad CRC, bad data
    RFCODEC_ERR_UNSUPPORTED = 3,  ///< valid file, but a kind we do not read (e.g. CMYK JPEG)
    RFCODEC_ERR_TOO_LARGE = 4,    ///< declared dimensions over the caller's limit
    RFCODEC_ERR_MEMORY = 5,       ///< allocation failed
    RFCODEC_ERR_ARGUMENT = 6      ///< bad arguments from the caller (encoder)
};

/// What a decoder found. Pixels are interleaved, rows top to bottom, no padding.
/// 16-bit samples are in host byte order.
typedef struct rfcodec_info {
    uint32_t width;
    uint32_t height;
    uint32_t channels;       ///< 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (after expansion)
    uint32_t bit_depth;      ///< 8 or 16 (after expansion)
    uint32_t source_bit_depth;   ///< bit depth as stored in the file (1..16)
    uint32_t source_color_type;  ///< PNG colour type, or JPEG component count
    uint32_t interlaced;     ///< PNG Adam7 or progressive JPEG
    uint32_t has_color_info; ///< PNG carries gAMA, sRGB or iCCP (never applied)
} rfcodec_info;

/// Decodes a whole PNG held in memory. On success *pixels is a malloc'ed buffer the caller
/// frees with rfcodec_free. Values are returned exactly as stored: no gamma, no ICC.
int rfcodec_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                       rfcodec_info *info, void **pixels, char *message, size_t message_capacity);

/// Reads only the header of a PNG (no pixel data), for probing.
int rfcodec_png_read_header(const uint8_t *data, size_t size, rfcodec_info *info,
                            char *message, size_t message_capacity);

/// Encodes interleaved pixels (channels 1-4, bit depth 8 or 16 in host order) to PNG in memory.
/// compression_level 0-9 (zlib); filter: -1 adaptive (all filters), otherwise one PNG filter 0-4.
int rfcodec_png_encode(const void *pixels, uint32_t width, uint32_t height, uint32_t channels,
                       uint32_t bit_depth, int compression_level, int filter,
                       uint8_t **out, size_t *out_size, char *message, size_t message_capacity);

/// Decodes a baseline or progressive JPEG (gray or colour) to 8-bit gray or RGB.
/// Corrupt-data warnings (e.g. premature end of data) are errors.
int rfcodec_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                        rfcodec_info *info, void **pixels, char *message, size_t message_capacity);

/// Reads only the JPEG header.
int rfcodec_jpeg_read_header(const uint8_t *data, size_t size, rfcodec_info *info,
                             char *message, size_t message_capacity);

/// Encodes 8-bit gray (channels 1) or RGB (channels 3) to JPEG with quality 1-100.
/// Quality >= 90 uses 4:4:4 chroma, below that 4:2:0. progressive != 0 writes a progressive file.
int rfcodec_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                        int quality, int progressive,
                        uint8_t **out, size_t *out_size, char *message, size_t message_capacity);

/// Frees a buffer returned by this library.
void rfcodec_free(void *buffer);

/// Versions of the linked libraries, e.g. "libpng 1.6.39, libjpeg-turbo 2.1.5, zlib 1.2.13".
void rfcodec_versions(char *buffer, size_t capacity);

#ifdef __cplusplus
}
#endif
#endif
