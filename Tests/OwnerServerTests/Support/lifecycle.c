/* Opens, starts and closes an owner's control server at SOCKET three times, then prints how
 * many threads the process has and whether SOCKET is still there, for the tests to check that
 * close leaves neither behind (a process of its own: the test runner's threads come and go). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "small_owner.h"

static int threads(void) {
    int count = 0;
    DIR *tasks = opendir("/proc/self/task");
    for (struct dirent *entry; tasks && (entry = readdir(tasks));)
        count += entry->d_name[0] != '.';
    if (tasks)
        closedir(tasks);
    return count;
}

int main(int argc, char **argv) {
    if (argc != 2)
        return 2;
    struct rsspp_owner *owner = small_owner();
    struct rsspp_owner_server_config control = control_at(argv[1]);
    for (int round = 0; round < 3; round++) {
        struct rsspp_owner_server *server = owner ? rsspp_owner_server_open(owner, &control) : NULL;
        if (!server || rsspp_owner_server_start(server) < 0) {
            printf("failed: %s\n", rsspp_owner_error());
            return 1;
        }
        printf("started: threads %d\n", threads());
        rsspp_owner_server_close(server);
    }
    printf("closed: threads %d, socket %s\n", threads(), access(argv[1], F_OK) == 0 ? "left" : "gone");
    rsspp_owner_free(owner);
    return 0;
}
