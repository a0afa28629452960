import FuzzSupport
import RackFocusCLI

/// Any bytes as a shot file: parsed, converted to render arguments and validated, or rejected
/// with an error; never a crash.
FuzzDriver.run { bytes in
    try? ShotFileCheck.validate(json: bytes)
}
