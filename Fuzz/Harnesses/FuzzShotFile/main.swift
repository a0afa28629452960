import Foundation
import FuzzSupport
import RackFocusRender

/// Any bytes as a shot file: decoded into a Shot and validated, or rejected with an error; never
/// a crash.
FuzzDriver.run { bytes in
    guard let shot = try? Shot.decode(json: Data(bytes), path: "shot.json") else { return }
    try? shot.validate()
}
