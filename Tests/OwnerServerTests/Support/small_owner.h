/* What the support programs share: an owner of 8 buckets on 2 queues that parks nothing worth
 * keeping, and a control socket configuration at `path` for root only, any group and device. */
#ifndef SMALL_OWNER_H
#define SMALL_OWNER_H

#include <string.h>

#include <rsspp_owner.h>

static void discard(void *context, uint16_t queue, uint32_t bucket, void *packet) {
    (void)context, (void)queue, (void)bucket, (void)packet;
}

static struct rsspp_owner *small_owner(void) {
    struct rsspp_owner_config config;
    memset(&config, 0, sizeof config);
    config.buckets = 8;
    config.queues = 2;
    config.replay = discard;
    config.expire = discard;
    return rsspp_owner_create(&config);
}

static struct rsspp_owner_server_config control_at(const char *path) {
    struct rsspp_owner_server_config control;
    memset(&control, 0, sizeof control);
    control.path = path;
    control.group = (gid_t)-1;
    control.allowed_uid = (uid_t)-1;
    return control;
}

#endif
