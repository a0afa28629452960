import FuzzSupport
import RackFocusIO

/// Any bytes: the PNG reader must return an image or throw, never crash, hang or overrun.
FuzzDriver.run { bytes in
    _ = try? PNGCodec.decode(bytes, limits: DecodeLimits(maxPixels: 1 << 22))
}
