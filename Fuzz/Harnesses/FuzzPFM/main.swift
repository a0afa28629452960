import FuzzSupport
import RackFocusIO

/// Any bytes: the PFM reader must return an image or throw.
FuzzDriver.run { bytes in
    _ = try? PFMCodec.decode(bytes, limits: DecodeLimits(maxPixels: 1 << 22))
}
