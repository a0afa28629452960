import FuzzSupport
import RackFocusIO

/// Any bytes: the JPEG reader must return an image or throw (libjpeg's longjmp stays in C).
FuzzDriver.run { bytes in
    _ = try? JPEGCodec.decode(bytes, limits: DecodeLimits(maxPixels: 1 << 22))
}
