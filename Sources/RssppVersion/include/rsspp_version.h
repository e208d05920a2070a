/* The rsspp release: the one place every tool's --version (Swift and C) reads it from. */
#ifndef RSSPP_VERSION_H
#define RSSPP_VERSION_H

#define RSSPP_VERSION "0.2.0"

extern const char rsspp_version[];

#endif
