/* libxdp for Swift: loading the counter into libxdp's multi-program dispatcher. */

/* libbpf comes in through CBPF's shim, which renames the libbpf names libpcap also uses; an
 * #include of it here imports that module instead of declaring libbpf a second time. */
#include "../CBPF/shim.h"
#include <xdp/libxdp.h>
