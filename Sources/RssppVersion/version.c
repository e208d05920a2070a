#include "rsspp_version.h"

const char rsspp_version[] = RSSPP_VERSION;
