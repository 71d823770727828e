/* httpc.h: the keep-alive HTTP/1.1 exchange of the bench's load programs (lending_load.c,
 * opac_load.c): write a whole request on a connected socket, read one whole answer (by
 * Content-Length, or chunked up to its last chunk) into buf, NUL-terminated. Returns the status
 * code, or -1 when the connection failed or the answer does not fit in cap bytes (the benches'
 * answers are small: one that large is not what was asked for). Needs _GNU_SOURCE (strcasestr),
 * as the benches build with. */
#ifndef THUVIEN_BENCH_HTTPC_H
#define THUVIEN_BENCH_HTTPC_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A keep-alive connection to host:port (an IPv4 address), Nagle off; the program exits with a
 * message naming who (its name) when it cannot connect. */
static inline int httpc_dial(const char *who, const char *host, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "%s: connect to %s:%d: %s\n", who, host, port, strerror(errno));
		exit(1);
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static inline int httpc_exchange(int fd, const char *req, int n, char *buf, size_t cap)
{
	for (int off = 0; off < n;) {
		ssize_t w = write(fd, req + off, (size_t)(n - off));
		if (w <= 0)
			return -1;
		off += (int)w;
	}
	size_t len = 0;
	char *end = NULL;
	while (!end) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (!end && len >= cap - 1)
			return -1;
	}
	int status = atoi(buf + 9);
	size_t head = (size_t)(end - buf) + 4;
	const char *cl = strcasestr(buf, "\r\ncontent-length:");
	if (cl && cl < end) {
		size_t want = head + strtoul(cl + 17, NULL, 10);
		if (want >= cap)
			return -1;
		while (len < want) {
			ssize_t r = read(fd, buf + len, cap - 1 - len);
			if (r <= 0)
				return -1;
			len += (size_t)r;
		}
		buf[len] = 0;
	} else { /* chunked: read until the last chunk */
		size_t from = head;
		for (;;) {
			buf[len] = 0;
			const char *z = strstr(buf + from, "0\r\n\r\n");
			if (z && (z == buf + head || z[-1] == '\n'))
				break;
			from = len > 5 ? len - 5 : head;
			if (len >= cap - 1)
				return -1;
			ssize_t r = read(fd, buf + len, cap - 1 - len);
			if (r <= 0)
				return -1;
			len += (size_t)r;
		}
	}
	return status;
}

#endif
