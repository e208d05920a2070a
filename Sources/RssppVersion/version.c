/* SwiftPM builds a C target from at least one source file; the release is the header's macro. */
#include "rsspp_version.h"
