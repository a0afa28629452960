// OpenEXR's C API (OpenEXRCore). Only CCodecShims includes this; Swift never calls it directly.
#include <openexr.h>
