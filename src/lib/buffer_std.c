/* buffer_std.c -- the standard buffers on fds 0, 1 and 2. */
#include "buffer.h"

static char space_0[BUFFER_INSIZE];
static char space_1[BUFFER_OUTSIZE];
static char space_2[256];

static buffer std_0 = BUFFER_INIT(buffer_unixread, 0, 0, space_0, sizeof space_0);
static buffer std_1 = BUFFER_INIT(buffer_unixwrite, 1, 0, space_1, sizeof space_1);
static buffer std_2 = BUFFER_INIT(buffer_unixwrite, 2, 0, space_2, sizeof space_2);

buffer *buffer_0 = &std_0;
buffer *buffer_1 = &std_1;
buffer *buffer_2 = &std_2;
