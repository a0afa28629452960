// CCodecShims: the only code in RackFocus that talks to libpng, libjpeg and OpenEXR directly.
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

/// Decodes a whole PNG held in memory into the caller's memory. Called with pixels == NULL it only
/// fills `info` (size, and channels and bit depth after expansion), so the caller can provide
/// exactly width * height * channels * bit_depth / 8 bytes (pixels_size) for the second call.
/// Values are returned exactly as stored: no gamma, no ICC.
int rfcodec_png_decode_into(const uint8_t *data, size_t size, uint64_t max_pixels, rfcodec_info *info,
                            void *pixels, size_t pixels_size, char *message, size_t message_capacity);

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

// MARK: - OpenEXR (OpenEXRCore C API: no longjmp; errors are result codes, messages captured)

/// An open EXR file held in memory (the bytes are copied). Not thread-safe to share; one per call.
typedef struct rfexr_file rfexr_file;

/// One part of a (multi-part) EXR file.
typedef struct rfexr_part_info {
    const char *name;        ///< the part's name, or NULL (valid while the file is open)
    int32_t storage;         ///< 0 scanline, 1 tiled, 2 deep scanline, 3 deep tiled
    int32_t compression;     ///< exr_compression_t: 0 none, 1 RLE, 2 ZIPS, 3 ZIP, 4 PIZ, 5 PXR24, 6 B44, 7 B44A, 8 DWAA, 9 DWAB
    int32_t data_window[4];  ///< min x, min y, max x, max y (inclusive)
    int32_t display_window[4];
    int32_t channel_count;
    int32_t tile_width, tile_height;  ///< 0 for scanline parts
} rfexr_part_info;

typedef struct rfexr_channel_info {
    const char *name;        ///< valid while the file is open
    int32_t type;            ///< 0 uint, 1 half, 2 float
    int32_t x_sampling, y_sampling;
} rfexr_channel_info;

/// Opens an EXR from memory and reads its header. `max_pixels` caps every part's data window.
int rfexr_open(const uint8_t *data, size_t size, uint64_t max_pixels, rfexr_file **file,
               char *message, size_t message_capacity);
void rfexr_close(rfexr_file *file);
int rfexr_part_count(const rfexr_file *file);
int rfexr_part(const rfexr_file *file, int part, rfexr_part_info *info);
int rfexr_channel(const rfexr_file *file, int part, int index, rfexr_channel_info *info);

/// Decodes channels (indices into the part's channel list, which is sorted by name) of a part's
/// data window (full-resolution level of a tiled part) into caller-owned float planes of
/// data-window size, rows top to bottom. Half and float decode exactly; uint converts to float.
int rfexr_read(rfexr_file *file, int part, int count, const int32_t *channels, float *const *planes,
               char *message, size_t message_capacity);

/// A header attribute to write: a float (is_string 0) or a string.
typedef struct rfexr_attribute {
    const char *name;
    int32_t is_string;
    float value;
    const char *text;
} rfexr_attribute;

/// Encodes a single-part scanline EXR (display = data window = width x height) from float planes.
/// pixel_type: 1 half, 2 float. compression: exr_compression_t. Channel names in any order.
int rfexr_write(uint32_t width, uint32_t height, int channel_count, const char *const *names,
                const float *const *planes, int pixel_type, int compression,
                int attribute_count, const rfexr_attribute *attributes,
                uint8_t **out, size_t *out_size, char *message, size_t message_capacity);

/// Frees a buffer returned by this library.
void rfcodec_free(void *buffer);

/// Versions of the linked libraries, e.g. "libpng 1.6.39, libjpeg-turbo 2.1.5, zlib 1.2.13".
void rfcodec_versions(char *buffer, size_t capacity);

#ifdef __cplusplus
}
#endif
#endif
