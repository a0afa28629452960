// DWAA/DWAB through OpenEXR's C++ library. OpenEXRCore 3.1 (Debian 12) reads every other compression
// but answers "DWA/A decompression not yet implemented in C", so exr_codec.c hands parts with DWA
// compression here. Every exception is caught in this file: none crosses into C or Swift.
#include <half.h>
#include <ImfChannelList.h>
#include <ImfFloatAttribute.h>
#include <ImfFrameBuffer.h>
#include <ImfHeader.h>
#include <ImfIO.h>
#include <ImfInputPart.h>
#include <ImfMultiPartInputFile.h>
#include <ImfOutputFile.h>
#include <ImfStringAttribute.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <vector>

extern "C" {
#include "common.h"
}

namespace {

class MemoryInput final : public Imf::IStream {
public:
    MemoryInput(const uint8_t *data, size_t size) : Imf::IStream("<memory>"), data_(data), size_(size) {}
    bool read(char c[], int n) override {
        if (n < 0 || position_ > size_ || static_cast<uint64_t>(n) > size_ - position_) {
            throw std::runtime_error("file is truncated");
        }
        std::memcpy(c, data_ + position_, static_cast<size_t>(n));
        position_ += static_cast<uint64_t>(n);
        return position_ < size_;
    }
    uint64_t tellg() override { return position_; }
    void seekg(uint64_t position) override { position_ = position; }

private:
    const uint8_t *data_;
    uint64_t size_;
    uint64_t position_ = 0;
};

class MemoryOutput final : public Imf::OStream {
public:
    MemoryOutput() : Imf::OStream("<memory>") {}
    void write(const char c[], int n) override {
        if (n < 0) throw std::runtime_error("bad write");
        if (position_ + static_cast<uint64_t>(n) > bytes.size()) bytes.resize(position_ + static_cast<uint64_t>(n));
        std::memcpy(bytes.data() + position_, c, static_cast<size_t>(n));
        position_ += static_cast<uint64_t>(n);
    }
    uint64_t tellp() override { return position_; }
    void seekp(uint64_t position) override { position_ = position; }
    std::vector<uint8_t> bytes;

private:
    uint64_t position_ = 0;
};

// OpenEXR's C++ header reader sizes strings, string vectors and previews from the file before it reads them
// (a 600-byte file declaring a 1.2 GB string attribute allocates 1.2 GB). OpenEXRCore has already accepted
// these headers, but it checks less of this; so before the C++ library sees a file, every attribute must
// fit in the bytes that follow it, and the sizes inside string vectors and previews must fit their attribute.
uint32_t read_u32(const uint8_t *p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

bool attribute_value_fits(const char *type, const uint8_t *value, uint64_t size) {
    if (std::strcmp(type, "stringvector") == 0) {
        uint64_t at = 0;
        while (at < size) {
            if (size - at < 4) return false;
            const uint64_t length = read_u32(value + at);
            at += 4;
            if (length > size - at) return false;
            at += length;
        }
    } else if (std::strcmp(type, "preview") == 0) {
        if (size < 8) return false;
        const uint64_t pixels = uint64_t(read_u32(value)) * read_u32(value + 4);
        if (pixels > (size - 8) / 4) return false;
    }
    return true;
}

bool headers_fit(const uint8_t *data, uint64_t size) {
    if (size < 8) return false;
    const bool multipart = (data[5] & 0x10) != 0;  // version flag 0x1000
    uint64_t at = 8;
    auto read_name = [&](const char *&name) -> bool {
        const void *end = std::memchr(data + at, 0, static_cast<size_t>(std::min<uint64_t>(size - at, 256)));
        if (end == nullptr) return false;
        name = reinterpret_cast<const char *>(data + at);
        at = static_cast<uint64_t>(static_cast<const uint8_t *>(end) - data) + 1;
        return true;
    };
    for (int header = 0;; header++) {
        bool empty = true;
        for (;;) {
            if (at >= size) return false;
            const char *name = nullptr;
            if (!read_name(name)) return false;
            if (name[0] == 0) break;  // end of this header
            empty = false;
            const char *type = nullptr;
            if (at >= size || !read_name(type) || size - at < 4) return false;
            const uint64_t length = read_u32(data + at);
            at += 4;
            if (length > size - at || !attribute_value_fits(type, data + at, length)) return false;
            at += length;
        }
        if (!multipart || empty) return true;  // a multi-part file ends its list of headers with an empty one
    }
}

int fail(const char *what, char *message, size_t capacity) {
    rfcodec_set_message(message, capacity, "%s", what);
    return RFCODEC_ERR_CORRUPT;
}

}  // namespace

extern "C" int rfexr_read_dwa(const uint8_t *data, size_t size, int part, int count, const char *const *names,
                              float *const *planes, char *message, size_t capacity) {
    if (!headers_fit(data, size)) return fail("an attribute's size runs past the end of the header", message, capacity);
    try {
        MemoryInput stream(data, size);
        Imf::MultiPartInputFile file(stream);
        Imf::InputPart input(file, part);
        const Imath::Box2i window = input.header().dataWindow();
        const int64_t width = static_cast<int64_t>(window.max.x) - window.min.x + 1;
        Imf::FrameBuffer frame;
        for (int i = 0; i < count; i++) {
            frame.insert(names[i], Imf::Slice::Make(Imf::FLOAT, planes[i], window, 4, static_cast<size_t>(4 * width)));
        }
        input.setFrameBuffer(frame);
        input.readPixels(window.min.y, window.max.y);
        return RFCODEC_OK;
    } catch (const std::bad_alloc &) {
        rfcodec_set_message(message, capacity, "out of memory");
        return RFCODEC_ERR_MEMORY;
    } catch (const std::exception &error) {
        return fail(error.what(), message, capacity);
    } catch (...) {
        return fail("cannot decode DWA data", message, capacity);
    }
}

extern "C" int rfexr_write_dwa(uint32_t width, uint32_t height, int count, const char *const *names,
                               const float *const *planes, int pixel_type, int compression, int attribute_count,
                               const rfexr_attribute *attributes, uint8_t **out, size_t *out_size, char *message,
                               size_t capacity) {
    try {
        Imf::Header header(static_cast<int>(width), static_cast<int>(height));
        header.compression() = compression == 9 ? Imf::DWAB_COMPRESSION : Imf::DWAA_COMPRESSION;
        for (int c = 0; c < count; c++) {
            header.channels().insert(names[c], Imf::Channel(pixel_type == 2 ? Imf::FLOAT : Imf::HALF));
        }
        for (int a = 0; a < attribute_count; a++) {
            if (attributes[a].is_string) {
                header.insert(attributes[a].name, Imf::StringAttribute(attributes[a].text));
            } else {
                header.insert(attributes[a].name, Imf::FloatAttribute(attributes[a].value));
            }
        }
        MemoryOutput stream;
        {
            Imf::OutputFile file(stream, header);
            // The C++ writer does not convert: half channels need half samples.
            const size_t pixels = static_cast<size_t>(width) * height;
            std::vector<std::vector<half>> halves;
            Imf::FrameBuffer frame;
            for (int c = 0; c < count; c++) {
                if (pixel_type == 2) {
                    frame.insert(names[c], Imf::Slice(Imf::FLOAT, reinterpret_cast<char *>(const_cast<float *>(planes[c])), 4,
                                                      static_cast<size_t>(4) * width));
                } else {
                    halves.emplace_back(planes[c], planes[c] + pixels);
                    frame.insert(names[c], Imf::Slice(Imf::HALF, reinterpret_cast<char *>(halves.back().data()), 2,
                                                      static_cast<size_t>(2) * width));
                }
            }
            file.setFrameBuffer(frame);
            file.writePixels(static_cast<int>(height));
        }
        *out = static_cast<uint8_t *>(std::malloc(stream.bytes.size()));
        if (*out == nullptr) throw std::bad_alloc();
        std::memcpy(*out, stream.bytes.data(), stream.bytes.size());
        *out_size = stream.bytes.size();
        return RFCODEC_OK;
    } catch (const std::bad_alloc &) {
        rfcodec_set_message(message, capacity, "out of memory");
        return RFCODEC_ERR_MEMORY;
    } catch (const std::exception &error) {
        rfcodec_set_message(message, capacity, "%s", error.what());
        return RFCODEC_ERR_ARGUMENT;
    } catch (...) {
        rfcodec_set_message(message, capacity, "cannot encode DWA data");
        return RFCODEC_ERR_ARGUMENT;
    }
}
