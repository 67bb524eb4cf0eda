/* mech_ipc.c: IPC channels: pipe, sockets, FIFO, message queue, TCP, eventfd, a shared-memory ring, queue, manager. */
#include "mech.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Protocols.  Endpoints come in pairs: 2k is the client, 2k+1 the server of
 * pair k, each pair with channels of its own.
 *   lat (ping-pong): for i in 0..ops-1 the client sends message i
 *     (pattern direction 0) and waits for the reply; the server receives
 *     it, checks it, and sends reply i (direction 1), which the client
 *     checks.  One message is in flight per pair at any time, so neither
 *     side can wait for the other while the other waits for it: no
 *     deadlock, whatever the buffer sizes.
 *   bw (stream): the client sends messages 0..ops-1 back to back; the
 *     server receives and checks each, then sends one 8-byte
 *     acknowledgement, which ends the client's batch.  Data flows one way,
 *     so a full channel only makes the sender wait for the receiver, which
 *     never waits for the sender's progress in the other direction.
 *   manager: every access is a request and its reply (set, then get, in
 *     lat; sets in bw): ping-pong again.
 * Every message's bytes are checked on arrival against its pattern (a
 * pattern of its own per message, batch and direction: mech_util.c), so a
 * dropped, repeated, reordered or torn message fails the case.  A channel
 * that reports EOF or an error stops the batch (out->failed): its peer is
 * gone, and parbench says which and how.
 */

struct ring;

/* One endpoint's side: descriptors, buffers, ring positions. */
struct ipc_ep {
	int rfd, wfd;             /* what it reads from and writes to (-1: none) */
	int lfd;                  /* a server's listening socket until it accepted */
	mqd_t mr, mw;             /* message queues */
	int opened[4];            /* descriptors attach opened itself (closed at detach) */
	int nopened;
	unsigned char *tx, *rx, *frame; /* message buffers, allocated by the endpoint itself */
	struct ring *in, *out;    /* shared-memory rings */
	uint32_t in_pos, out_pos; /* messages consumed from in, produced into out */
};

/* What setup made for one pair: parbench's copies of the descriptors, and the names. */
struct ipc_pair {
	int fd[4];
	int nfd;
	int lfd;                  /* listening socket (unix, tcp) */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char names[2][108];       /* FIFO or socket paths, or queue names */
	int nnames;
	int mq;                   /* names are message queues */
};

struct ipc_mech;

struct ipc {
	const struct ipc_mech *im;
	enum pb_mwait wait;
	enum pb_mode mode;
	size_t bytes;
	int pairs, nep;
	struct ipc_pair *pair;
	struct ipc_ep *ep;
	size_t ring_slot, ring_len; /* shm */
	int ring_slots;
};

/* A channel: how a pair is made, and how an endpoint moves one message. */
struct chan_ops {
	int (*setup)(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len);
	int (*attach)(struct ipc *ip, int ep, char *err, size_t len); /* NULL: the descriptors from setup */
	void *(*send_buf)(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i);
	int (*send)(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i);
	const void *(*recv)(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i);
	void (*recv_done)(struct ipc *ip, int ep);
};

struct ipc_mech {
	struct pb_mech m; /* first: the registry's pointer is this struct's */
	const struct chan_ops *ops;
	int sock;         /* descriptors are sockets (recv/send) */
	int dgram;        /* one datagram per message */
	void (*run)(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out); /* NULL: ping-pong / stream */
};

static const struct ipc_mech *ipc_of(const struct pb_mech_case *c)
{
	return (const struct ipc_mech *)c->m;
}

#define ACK_BYTES 8

/* ---- descriptors: waiting by policy ---- */

/* One wait for fd to be ready under the case's policy; spin and the spin phase return at once. */
static void fd_wait(const struct ipc *ip, int fd, short events, uint64_t *t0)
{
	if (ip->wait == PB_MWAIT_SPIN) {
		pb_cpu_relax();
		return;
	}
	if (ip->wait == PB_MWAIT_HYBRID) {
		uint64_t now = pb_mech_now_ns();
		if (!*t0)
			*t0 = now;
		if (now - *t0 < PB_MECH_SPIN_NS) {
			pb_cpu_relax();
			return;
		}
	}
	struct pollfd p = { .fd = fd, .events = events };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/* Move exactly len bytes (a stream); 0, or -1 with the failure in out. */
static int fd_full(const struct ipc *ip, int fd, void *buf, size_t len, int writing, struct pb_mech_out *out,
		   uint64_t i)
{
	unsigned char *p = buf;
	size_t done = 0;
	uint64_t t0 = 0;
	while (done < len) {
		ssize_t n = writing ? write(fd, p + done, len - done) : read(fd, p + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0 && !writing) {
			pb_mech_fail(out, 1, "the peer closed the channel at message %llu", (unsigned long long)i);
			return -1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fd_wait(ip, fd, writing ? POLLOUT : POLLIN, &t0);
			continue;
		}
		pb_mech_fail(out, 1, "%s at message %llu: %s", writing ? "write" : "read", (unsigned long long)i,
			     n == 0 ? "nothing written" : strerror(errno));
		return -1;
	}
	return 0;
}

/* One datagram of exactly len bytes; 0 or -1. */
static int fd_dgram(const struct ipc *ip, int fd, void *buf, size_t len, int writing, struct pb_mech_out *out,
		    uint64_t i)
{
	uint64_t t0 = 0;
	for (;;) {
		/* a receive one byte larger than expected tells a long datagram from a right one */
		ssize_t n = writing ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len + 1, 0);
		if (n >= 0) {
			if ((size_t)n == len)
				return 0;
			pb_mech_fail(out, 1, "message %llu: a datagram of %zd bytes, expected %zu", (unsigned long long)i, n,
				     len);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			fd_wait(ip, fd, writing ? POLLOUT : POLLIN, &t0);
			continue;
		}
		pb_mech_fail(out, 1, "%s at message %llu: %s", writing ? "send" : "recv", (unsigned long long)i,
			     errno == ECONNREFUSED ? "the peer is gone" : strerror(errno));
		return -1;
	}
}

/* ---- the fd data path (pipe, sockets, FIFO, TCP, eventfd) ---- */

static void *fd_send_buf(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	(void)len, (void)out, (void)i;
	return ip->ep[ep].tx;
}

static int fd_send(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	struct ipc_ep *e = &ip->ep[ep];
	return ip->im->dgram ? fd_dgram(ip, e->wfd, e->tx, len, 1, out, i) : fd_full(ip, e->wfd, e->tx, len, 1, out, i);
}

static const void *fd_recv(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	struct ipc_ep *e = &ip->ep[ep];
	int rc = ip->im->dgram ? fd_dgram(ip, e->rfd, e->rx, len, 0, out, i) : fd_full(ip, e->rfd, e->rx, len, 0, out, i);
	return rc == 0 ? e->rx : NULL;
}

static void no_done(struct ipc *ip, int ep)
{
	(void)ip, (void)ep;
}

/* ---- setting pairs up ---- */

/* Keep fd as one of pair k's (parbench's copies), non-blocking if the policy polls. */
static int keep_fd(struct ipc *ip, int k, int fd)
{
	struct ipc_pair *p = &ip->pair[k];
	if (ip->wait != PB_MWAIT_BLOCK)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	p->fd[p->nfd++] = fd;
	return fd;
}

/* Client and server of pair k read and write these. */
static void assign(struct ipc *ip, int k, int crfd, int cwfd, int srfd, int swfd)
{
	ip->ep[2 * k] = (struct ipc_ep){ .rfd = crfd, .wfd = cwfd, .lfd = -1, .mr = -1, .mw = -1 };
	ip->ep[2 * k + 1] = (struct ipc_ep){ .rfd = srfd, .wfd = swfd, .lfd = -1, .mr = -1, .mw = -1 };
}

static int pipe_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len)
{
	(void)x;
	int a[2], b[2];
	if (pipe2(a, O_CLOEXEC) != 0)
		goto fail;
	if (pipe2(b, O_CLOEXEC) != 0) {
		close(a[0]);
		close(a[1]);
		goto fail;
	}
	assign(ip, k, keep_fd(ip, k, b[0]), keep_fd(ip, k, a[1]), keep_fd(ip, k, a[0]), keep_fd(ip, k, b[1]));
	return 0;
fail:
	snprintf(err, len, "pipe: %s", strerror(errno));
	return -1;
}

static int socketpair_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len)
{
	(void)x;
	int sv[2];
	if (socketpair(AF_UNIX, (ip->im->dgram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, len, "socketpair: %s", strerror(errno));
		return -1;
	}
	keep_fd(ip, k, sv[0]);
	keep_fd(ip, k, sv[1]);
	assign(ip, k, sv[0], sv[0], sv[1], sv[1]);
	return 0;
}

static int eventfd_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len)
{
	(void)x;
	int a = eventfd(0, EFD_CLOEXEC), b = a >= 0 ? eventfd(0, EFD_CLOEXEC) : -1;
	if (b < 0) {
		snprintf(err, len, "eventfd: %s", strerror(errno));
		if (a >= 0)
			close(a);
		return -1;
	}
	/* each descriptor is shared by its writer and its reader, so the policy is set here, once */
	assign(ip, k, keep_fd(ip, k, b), keep_fd(ip, k, a), a, b);
	return 0;
}

/* A listening socket of pair k: AF_UNIX at a path in tmpdir, or TCP on 127.0.0.1, port chosen by the kernel. */
static int listen_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, int tcp, char *err, size_t len)
{
	struct ipc_pair *p = &ip->pair[k];
	memset(&p->addr, 0, sizeof p->addr);
	if (tcp) {
		struct sockaddr_in *in = (struct sockaddr_in *)&p->addr;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		p->addrlen = sizeof *in;
	} else {
		struct sockaddr_un *un = (struct sockaddr_un *)&p->addr;
		un->sun_family = AF_UNIX;
		char name[80];
		pb_mech_name(name, sizeof name, x, "", ".sock");
		if (strlen(x->tmpdir) + strlen(name) + 2 > sizeof un->sun_path) {
			snprintf(err, len, "the temporary directory '%s' is too long for a socket path", x->tmpdir);
			return -1;
		}
		size_t dl = strlen(x->tmpdir);
		memcpy(un->sun_path, x->tmpdir, dl);
		un->sun_path[dl] = '/';
		memcpy(un->sun_path + dl + 1, name, strlen(name) + 1);
		memcpy(p->names[0], un->sun_path, sizeof un->sun_path);
		p->addrlen = sizeof *un;
	}
	int fd = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&p->addr, p->addrlen) != 0 || listen(fd, 4) != 0) {
		snprintf(err, len, "%s socket: %s", tcp ? "TCP loopback" : "UNIX", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!tcp)
		p->nnames = 1;
	p->addrlen = sizeof p->addr;
	getsockname(fd, (struct sockaddr *)&p->addr, &p->addrlen);
	p->lfd = fd;
	p->fd[p->nfd++] = fd;
	assign(ip, k, -1, -1, -1, -1);
	ip->ep[2 * k + 1].lfd = fd;
	return 0;
}

static int unix_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len)
{
	return listen_setup(ip, x, k, 0, err, len);
}

static int tcp_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len)
{
	return listen_setup(ip, x, k, 1, err, len);
}

static void opened(struct ipc *ip, int ep, int fd)
{
	struct ipc_ep *e = &ip->ep[ep];
	if (ip->wait != PB_MWAIT_BLOCK)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	e->opened[e->nopened++] = fd;
}

/* The server accepts, the client connects (by path or port): the connection a stream socket is. */
static int connect_attach(struct ipc *ip, int ep, char *err, size_t len)
{
	struct ipc_ep *e = &ip->ep[ep];
	struct ipc_pair *p = &ip->pair[ep / 2];
	int tcp = p->addr.ss_family == AF_INET, one = 1, fd;
	if (ep % 2) {
		while ((fd = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR)
			;
	} else {
		fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&p->addr, p->addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		snprintf(err, len, "%s: %s", ep % 2 ? "accept" : "connect", strerror(errno));
		return -1;
	}
	if (tcp)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* ping-pong: no Nagle delay */
	opened(ip, ep, fd);
	e->rfd = e->wfd = fd;
	return 0;
}

static int fifo_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len)
{
	struct ipc_pair *p = &ip->pair[k];
	for (int d = 0; d < 2; d++) {
		char name[80];
		pb_mech_name(name, sizeof name, x, "", d ? ".fifo-in" : ".fifo-out");
		snprintf(p->names[d], sizeof p->names[d], "%s/%s", x->tmpdir, name);
		if (mkfifo(p->names[d], 0600) != 0) {
			snprintf(err, len, "mkfifo '%s': %s", p->names[d], strerror(errno));
			return -1;
		}
		p->nnames = d + 1;
	}
	assign(ip, k, -1, -1, -1, -1);
	return 0;
}

/*
 * Both ends open the FIFOs by name, in the same order (client->server
 * first), so each open finds its partner: an open of a FIFO waits for the
 * other end, and neither side waits on the second FIFO while the other
 * still waits on the first.
 */
static int fifo_attach(struct ipc *ip, int ep, char *err, size_t len)
{
	struct ipc_ep *e = &ip->ep[ep];
	struct ipc_pair *p = &ip->pair[ep / 2];
	int server = ep % 2;
	for (int d = 0; d < 2; d++) {
		int reading = server ? d == 0 : d == 1;
		int fd;
		while ((fd = open(p->names[d], (reading ? O_RDONLY : O_WRONLY) | O_CLOEXEC)) < 0 && errno == EINTR)
			;
		if (fd < 0) {
			snprintf(err, len, "open '%s': %s", p->names[d], strerror(errno));
			return -1;
		}
		opened(ip, ep, fd);
		if (reading)
			e->rfd = fd;
		else
			e->wfd = fd;
	}
	return 0;
}

/* ---- POSIX message queues ---- */

static long proc_long(const char *path, long dflt)
{
	FILE *f = fopen(path, "r");
	long v = dflt;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

static long mq_maxmsg(void)
{
	long m = proc_long("/proc/sys/fs/mqueue/msg_max", 10);
	return m < 10 ? m : 10;
}

static int mq_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len)
{
	struct ipc_pair *p = &ip->pair[k];
	struct mq_attr a = { .mq_maxmsg = mq_maxmsg(), .mq_msgsize = (long)(ip->bytes > ACK_BYTES ? ip->bytes : ACK_BYTES) };
	p->mq = 1;
	for (int d = 0; d < 2; d++) {
		pb_mech_name(p->names[d], sizeof p->names[d], x, "/", "");
		mqd_t q = mq_open(p->names[d], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &a);
		if (q == (mqd_t)-1) {
			snprintf(err, len, "mq_open '%s': %s", p->names[d], strerror(errno));
			return -1;
		}
		p->nnames = d + 1;
		mq_close(q);
	}
	assign(ip, k, -1, -1, -1, -1);
	return 0;
}

static int mq_attach(struct ipc *ip, int ep, char *err, size_t len)
{
	struct ipc_ep *e = &ip->ep[ep];
	struct ipc_pair *p = &ip->pair[ep / 2];
	int nb = ip->wait != PB_MWAIT_BLOCK ? O_NONBLOCK : 0, server = ep % 2;
	e->mw = mq_open(p->names[server ? 1 : 0], O_WRONLY | O_CLOEXEC | nb);
	e->mr = mq_open(p->names[server ? 0 : 1], O_RDONLY | O_CLOEXEC | nb);
	if (e->mw == (mqd_t)-1 || e->mr == (mqd_t)-1) {
		snprintf(err, len, "mq_open: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int mq_xfer(struct ipc *ip, int ep, size_t len, int writing, struct pb_mech_out *out, uint64_t i)
{
	struct ipc_ep *e = &ip->ep[ep];
	size_t cap = ip->bytes > ACK_BYTES ? ip->bytes : ACK_BYTES;
	uint64_t t0 = 0;
	for (;;) {
		ssize_t n = writing ? (mq_send(e->mw, (const char *)e->tx, len, 0) == 0 ? (ssize_t)len : -1)
				    : mq_receive(e->mr, (char *)e->rx, cap, NULL);
		if (n >= 0) {
			if ((size_t)n == len)
				return 0;
			pb_mech_fail(out, 1, "message %llu: %zd bytes, expected %zu", (unsigned long long)i, n, len);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			fd_wait(ip, writing ? e->mw : e->mr, writing ? POLLOUT : POLLIN, &t0); /* on Linux a queue is a descriptor */
			continue;
		}
		pb_mech_fail(out, 1, "%s at message %llu: %s", writing ? "mq_send" : "mq_receive", (unsigned long long)i,
			     strerror(errno));
		return -1;
	}
}

static int mq_send_msg(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	return mq_xfer(ip, ep, len, 1, out, i);
}

static const void *mq_recv_msg(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	return mq_xfer(ip, ep, len, 0, out, i) == 0 ? ip->ep[ep].rx : NULL;
}

/* ---- the shared-memory ring: zero copy ---- */

/*
 * One direction of a pair: `slots` message slots in shared memory.  The
 * producer builds a message in place, then publishes it by advancing head;
 * the consumer checks it in place, then frees the slot by advancing tail.
 * Each counter is written by one side only; waiting is spinning, a futex,
 * or both (pb_word_wait), with a sleepers count so that a waker makes the
 * futex system call only when the other side may be asleep.  No copy is
 * made: this is what "shared memory is zero-copy" means.
 */
struct ring {
	uint32_t head __attribute__((aligned(64))); /* messages published (producer) */
	uint32_t head_sleepers;
	uint32_t tail __attribute__((aligned(64))); /* messages consumed (consumer) */
	uint32_t tail_sleepers;
	unsigned char data[] __attribute__((aligned(64)));
};

static size_t ring_size(size_t bytes, int *slots, size_t *slot)
{
	*slot = ((bytes > ACK_BYTES ? bytes : ACK_BYTES) + 63) & ~(size_t)63;
	*slots = bytes > ((size_t)1 << 20) ? 2 : 4; /* a power of two, so positions wrap cleanly */
	return sizeof(struct ring) + (size_t)*slots * *slot;
}

static size_t shm_shared_size(const struct pb_mech_case *c)
{
	int slots;
	size_t slot, one = (ring_size(c->bytes, &slots, &slot) + 4095) & ~(size_t)4095;
	return one * 2 * (size_t)c->groups;
}

static int shm_setup(struct ipc *ip, struct pb_mech_ctx *x, int k, char *err, size_t len)
{
	(void)err, (void)len;
	ip->ring_len = (ring_size(ip->bytes, &ip->ring_slots, &ip->ring_slot) + 4095) & ~(size_t)4095;
	struct ring *a = (struct ring *)((char *)x->shared + (size_t)(2 * k) * ip->ring_len);
	struct ring *b = (struct ring *)((char *)x->shared + (size_t)(2 * k + 1) * ip->ring_len);
	assign(ip, k, -1, -1, -1, -1);
	ip->ep[2 * k].out = a;
	ip->ep[2 * k].in = b;
	ip->ep[2 * k + 1].out = b;
	ip->ep[2 * k + 1].in = a;
	return 0;
}

static void *shm_send_buf(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	(void)len, (void)out, (void)i;
	struct ipc_ep *e = &ip->ep[ep];
	struct ring *r = e->out;
	uint32_t h = e->out_pos, t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	while (h - t >= (uint32_t)ip->ring_slots) /* full: wait for the consumer to free a slot */
		t = pb_word_wait(&r->tail, t, &r->tail_sleepers, ip->wait);
	return r->data + (size_t)(h % (uint32_t)ip->ring_slots) * ip->ring_slot;
}

static int shm_send(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	(void)len, (void)out, (void)i;
	struct ipc_ep *e = &ip->ep[ep];
	__atomic_store_n(&e->out->head, ++e->out_pos, __ATOMIC_SEQ_CST);
	pb_word_wake(&e->out->head, &e->out->head_sleepers);
	return 0;
}

static const void *shm_recv(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	(void)len, (void)out, (void)i;
	struct ipc_ep *e = &ip->ep[ep];
	struct ring *r = e->in;
	uint32_t t = e->in_pos;
	pb_word_wait(&r->head, t, &r->head_sleepers, ip->wait); /* empty while head == tail */
	return r->data + (size_t)(t % (uint32_t)ip->ring_slots) * ip->ring_slot;
}

static void shm_recv_done(struct ipc *ip, int ep)
{
	struct ipc_ep *e = &ip->ep[ep];
	__atomic_store_n(&e->in->tail, ++e->in_pos, __ATOMIC_SEQ_CST);
	pb_word_wake(&e->in->tail, &e->in->tail_sleepers);
}

/* ---- queue: a pipe carrying serialised frames, as multiprocessing.Queue does ---- */

/*
 * What a Queue adds to a Pipe: serialisation.  A message is an object
 * (tx) that is serialised into a frame (a header with a tag and the
 * length, then a copy of the payload) and written; the receiver reads the
 * header, then the payload, checks the frame and deserialises it into an
 * object of its own (rx).  Python writes header and payload in one write up
 * to 16 KiB and in two above, and reads them in two: so does this.
 */
#define FRAME_TAG UINT64_C(0x70626f626a656374) /* "pbobject" */
#define FRAME_ONE_WRITE 16384

static int queue_send(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	struct ipc_ep *e = &ip->ep[ep];
	uint64_t hdr[2] = { FRAME_TAG, len };
	memcpy(e->frame, hdr, sizeof hdr);
	memcpy(e->frame + sizeof hdr, e->tx, len);
	if (len <= FRAME_ONE_WRITE)
		return fd_full(ip, e->wfd, e->frame, sizeof hdr + len, 1, out, i);
	return fd_full(ip, e->wfd, e->frame, sizeof hdr, 1, out, i) ||
			       fd_full(ip, e->wfd, e->frame + sizeof hdr, len, 1, out, i)
		       ? -1
		       : 0;
}

static const void *queue_recv(struct ipc *ip, int ep, size_t len, struct pb_mech_out *out, uint64_t i)
{
	struct ipc_ep *e = &ip->ep[ep];
	uint64_t hdr[2];
	if (fd_full(ip, e->rfd, hdr, sizeof hdr, 0, out, i) != 0)
		return NULL;
	if (hdr[0] != FRAME_TAG || hdr[1] != len) {
		pb_mech_fail(out, 1, "message %llu: a broken frame header", (unsigned long long)i);
		return NULL;
	}
	if (fd_full(ip, e->rfd, e->frame, len, 0, out, i) != 0)
		return NULL;
	memcpy(e->rx, e->frame, len);
	return e->rx;
}

/* ---- the generic protocols ---- */

static void ping_pong(struct pb_mech_ctx *x, struct ipc *ip, int ep, uint64_t ops, struct pb_mech_out *out)
{
	const struct chan_ops *o = ip->im->ops;
	size_t len = ip->bytes;
	int client = ep % 2 == 0;
	for (uint64_t i = 0; i < ops; i++) {
		void *b;
		const void *r;
		if (client) {
			if (!(b = o->send_buf(ip, ep, len, out, i)))
				return;
			pb_msg_fill(b, len, pb_msg_seed(x->batch, i, 0));
			if (o->send(ip, ep, len, out, i) || !(r = o->recv(ip, ep, len, out, i)))
				return;
			pb_msg_verify(out, r, len, pb_msg_seed(x->batch, i, 1), i);
			o->recv_done(ip, ep);
		} else {
			if (!(r = o->recv(ip, ep, len, out, i)))
				return;
			pb_msg_verify(out, r, len, pb_msg_seed(x->batch, i, 0), i);
			o->recv_done(ip, ep);
			if (!(b = o->send_buf(ip, ep, len, out, i)))
				return;
			pb_msg_fill(b, len, pb_msg_seed(x->batch, i, 1));
			if (o->send(ip, ep, len, out, i))
				return;
		}
		out->done++;
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
}

static void stream(struct pb_mech_ctx *x, struct ipc *ip, int ep, uint64_t ops, struct pb_mech_out *out)
{
	const struct chan_ops *o = ip->im->ops;
	size_t len = ip->bytes;
	void *b;
	const void *r;
	for (uint64_t i = 0; i < ops; i++) {
		if (ep % 2 == 0) {
			if (!(b = o->send_buf(ip, ep, len, out, i)))
				return;
			pb_msg_fill(b, len, pb_msg_seed(x->batch, i, 0));
			if (o->send(ip, ep, len, out, i))
				return;
		} else {
			if (!(r = o->recv(ip, ep, len, out, i)))
				return;
			pb_msg_verify(out, r, len, pb_msg_seed(x->batch, i, 0), i);
			o->recv_done(ip, ep);
		}
		out->done++;
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
	/* the end: the receiver acknowledges, and only then is the sender's batch over */
	if (ep % 2 == 0) {
		if (!(r = o->recv(ip, ep, ACK_BYTES, out, ops)))
			return;
		pb_msg_verify(out, r, ACK_BYTES, pb_msg_seed(x->batch, ops, 1), ops);
		o->recv_done(ip, ep);
	} else {
		if (!(b = o->send_buf(ip, ep, ACK_BYTES, out, ops)))
			return;
		pb_msg_fill(b, ACK_BYTES, pb_msg_seed(x->batch, ops, 1));
		o->send(ip, ep, ACK_BYTES, out, ops);
	}
}

static void ipc_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	struct ipc *ip = x->priv;
	if (ip->im->run)
		ip->im->run(x, ep, ops, out);
	else if (ip->mode == PB_MODE_LAT)
		ping_pong(x, ip, ep, ops, out);
	else
		stream(x, ip, ep, ops, out);
}

/* ---- manager: a server process answering get and set over a socket ---- */

/*
 * The tutorials' Manager: the data lives in a server; every access is a
 * request and a reply.  A set carries the value (checked on arrival, then
 * stored: a copy), a get brings it back (checked by the client).  lat: one
 * operation is a set and a get of the same key (the value goes there and
 * back, as a ping-pong message does); bw: one operation is a set.
 */
enum { MGR_SET = 1, MGR_GET = 2 };
#define MGR_KEYS 16

struct mgr_req {
	uint32_t op, key;
	uint64_t seq, len;
};

struct mgr_rep {
	uint32_t status, pad;
	uint64_t len;
};

static int mgr_call(struct ipc *ip, int ep, const struct mgr_req *q, struct pb_mech_out *out, uint64_t i)
{
	struct ipc_ep *e = &ip->ep[ep];
	struct mgr_rep rep;
	if (fd_full(ip, e->wfd, (void *)q, sizeof *q, 1, out, i) ||
	    (q->op == MGR_SET && fd_full(ip, e->wfd, e->tx, q->len, 1, out, i)) ||
	    fd_full(ip, e->rfd, &rep, sizeof rep, 0, out, i))
		return -1;
	if (rep.status != 0 || rep.len != (q->op == MGR_GET ? ip->bytes : 0)) {
		pb_mech_fail(out, 1, "message %llu: the manager answered status %u with %llu bytes", (unsigned long long)i,
			     rep.status, (unsigned long long)rep.len);
		return -1;
	}
	return q->op == MGR_GET ? fd_full(ip, e->rfd, e->rx, rep.len, 0, out, i) : 0;
}

static void mgr_client(struct pb_mech_ctx *x, struct ipc *ip, int ep, uint64_t ops, struct pb_mech_out *out)
{
	struct ipc_ep *e = &ip->ep[ep];
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t seed = pb_msg_seed(x->batch, i, 0);
		struct mgr_req set = { MGR_SET, (uint32_t)(i % MGR_KEYS), i, ip->bytes };
		pb_msg_fill(e->tx, ip->bytes, seed);
		if (mgr_call(ip, ep, &set, out, i))
			return;
		if (ip->mode == PB_MODE_LAT) {
			struct mgr_req get = { MGR_GET, set.key, i, 0 };
			if (mgr_call(ip, ep, &get, out, i))
				return;
			pb_msg_verify(out, e->rx, ip->bytes, seed, i);
		}
		out->done++;
		if ((i & 1023) == 1023)
			pb_mech_seen(out);
	}
}

/* The server: its table of values lives behind e->frame (MGR_KEYS values of ip->bytes each). */
static void mgr_server(struct pb_mech_ctx *x, struct ipc *ip, int ep, uint64_t ops, struct pb_mech_out *out)
{
	struct ipc_ep *e = &ip->ep[ep];
	uint64_t nreq = ip->mode == PB_MODE_LAT ? 2 * ops : ops;
	for (uint64_t r = 0; r < nreq; r++) {
		struct mgr_req q;
		struct mgr_rep rep = { 0, 0, 0 };
		uint64_t i = ip->mode == PB_MODE_LAT ? r / 2 : r;
		if (fd_full(ip, e->rfd, &q, sizeof q, 0, out, i))
			return;
		if (q.key >= MGR_KEYS || (q.op != MGR_SET && q.op != MGR_GET) || (q.op == MGR_SET && q.len != ip->bytes)) {
			pb_mech_fail(out, 1, "request %llu: malformed", (unsigned long long)r);
			return;
		}
		unsigned char *val = e->frame + (size_t)q.key * ip->bytes;
		if (q.op == MGR_SET) {
			if (fd_full(ip, e->rfd, e->rx, q.len, 0, out, i))
				return;
			pb_msg_verify(out, e->rx, q.len, pb_msg_seed(x->batch, q.seq, 0), q.seq);
			memcpy(val, e->rx, q.len); /* stored: the manager keeps its own copy */
		} else {
			rep.len = ip->bytes;
		}
		if (fd_full(ip, e->wfd, &rep, sizeof rep, 1, out, i) ||
		    (rep.len && fd_full(ip, e->wfd, val, rep.len, 1, out, i)))
			return;
		if (q.op == MGR_SET || ip->mode == PB_MODE_BW)
			out->done++;
	}
}

static void mgr_run(struct pb_mech_ctx *x, int ep, uint64_t ops, struct pb_mech_out *out)
{
	if (ep % 2 == 0)
		mgr_client(x, x->priv, ep, ops, out);
	else
		mgr_server(x, x->priv, ep, ops, out);
}

/* ---- the mechanism hooks, shared by every channel ---- */

static void close_pair_fds(struct ipc_pair *p)
{
	for (int i = 0; i < p->nfd; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	p->nfd = 0;
	p->lfd = -1;
}

static void unlink_names(struct ipc_pair *p)
{
	for (int d = 0; d < p->nnames; d++) {
		if (p->mq)
			mq_unlink(p->names[d]);
		else
			unlink(p->names[d]);
	}
	p->nnames = 0;
}

static void ipc_teardown(struct pb_mech_ctx *x)
{
	struct ipc *ip = x->priv;
	if (!ip)
		return;
	for (int k = 0; k < ip->pairs; k++) {
		close_pair_fds(&ip->pair[k]);
		unlink_names(&ip->pair[k]);
	}
	free(ip->pair);
	free(ip->ep);
	free(ip);
	x->priv = NULL;
}

static int ipc_setup(struct pb_mech_ctx *x, char *err, size_t len)
{
	const struct pb_mech_case *c = x->c;
	struct ipc *ip = calloc(1, sizeof *ip);
	if (!ip || !(ip->pair = calloc((size_t)c->groups, sizeof *ip->pair)) ||
	    !(ip->ep = calloc((size_t)c->nep, sizeof *ip->ep))) {
		if (ip)
			free(ip->pair);
		free(ip);
		snprintf(err, len, "out of memory");
		return -1;
	}
	ip->im = ipc_of(c);
	ip->wait = c->wait;
	ip->mode = c->mode;
	ip->bytes = (size_t)c->bytes;
	ip->pairs = c->groups;
	ip->nep = c->nep;
	x->priv = ip;
	for (int k = 0; k < ip->pairs; k++)
		ip->pair[k].lfd = -1;
	for (int k = 0; k < ip->pairs; k++) {
		if (ip->im->ops->setup(ip, x, k, err, len) != 0) {
			ipc_teardown(x);
			return -1;
		}
	}
	return 0;
}

/* In a process endpoint: close every descriptor parbench made that is not this endpoint's. */
static void close_foreign(struct ipc *ip, int ep)
{
	const struct ipc_ep *e = &ip->ep[ep];
	for (int k = 0; k < ip->pairs; k++) {
		struct ipc_pair *p = &ip->pair[k];
		for (int i = 0; i < p->nfd; i++)
			if (p->fd[i] >= 0 && p->fd[i] != e->rfd && p->fd[i] != e->wfd && p->fd[i] != e->lfd)
				close(p->fd[i]);
		p->nfd = 0;
	}
}

static int ipc_attach(struct pb_mech_ctx *x, int ep, char *err, size_t len)
{
	struct ipc *ip = x->priv;
	struct ipc_ep *e = &ip->ep[ep];
	size_t big = ip->bytes > ACK_BYTES ? ip->bytes : ACK_BYTES;
	if (x->c->kind == PB_EP_PROCESS)
		close_foreign(ip, ep);
	if (ip->im->ops->attach && ip->im->ops->attach(ip, ep, err, len) != 0)
		return -1;
	if (e->lfd >= 0 && x->c->kind == PB_EP_PROCESS)
		close(e->lfd); /* accepted: a server process needs its listening socket no more */
	e->lfd = -1;
	size_t frame = ip->im->run == mgr_run ? (size_t)MGR_KEYS * big : big + 16;
	e->tx = malloc(big);
	e->rx = malloc(big + 1); /* one more: a datagram receive detects a long message */
	e->frame = malloc(frame);
	if (!e->tx || !e->rx || !e->frame) {
		snprintf(err, len, "out of memory for %zu-byte messages", big);
		return -1;
	}
	/* touched now, so first-touch page faults are set-up, not the first batch */
	memset(e->tx, 0, big);
	memset(e->rx, 0, big + 1);
	memset(e->frame, 0, frame);
	return 0;
}

/* Every endpoint attached: the names go, and in a process team so do parbench's copies of the descriptors. */
static void ipc_ready(struct pb_mech_ctx *x, int processes)
{
	struct ipc *ip = x->priv;
	for (int k = 0; k < ip->pairs; k++) {
		unlink_names(&ip->pair[k]);
		if (processes)
			close_pair_fds(&ip->pair[k]);
	}
}

static void ipc_detach(struct pb_mech_ctx *x, int ep)
{
	struct ipc *ip = x->priv;
	struct ipc_ep *e = &ip->ep[ep];
	for (int i = 0; i < e->nopened; i++)
		close(e->opened[i]);
	e->nopened = 0;
	if (e->mr != (mqd_t)-1)
		mq_close(e->mr);
	if (e->mw != (mqd_t)-1)
		mq_close(e->mw);
	e->mr = e->mw = -1;
	free(e->tx);
	free(e->rx);
	free(e->frame);
	e->tx = e->rx = e->frame = NULL;
}

/* ---- limits and availability ---- */

static int mq_available(char *why, size_t len)
{
	char name[64];
	snprintf(name, sizeof name, "/parbench-%ld-probe", (long)getpid());
	struct mq_attr a = { .mq_maxmsg = 1, .mq_msgsize = 8 };
	mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &a);
	if (q == (mqd_t)-1) {
		snprintf(why, len, "POSIX message queues do not work here: %s", strerror(errno));
		return 0;
	}
	mq_close(q);
	mq_unlink(name);
	return 1;
}

static int mq_check(const struct pb_mech_case *c, char *err, size_t len)
{
	long max = proc_long("/proc/sys/fs/mqueue/msgsize_max", 8192);
	if (c->bytes > (uint64_t)max) {
		snprintf(err, len, "message size %llu is beyond POSIX mq's msgsize_max (%ld bytes, /proc/sys/fs/mqueue/msgsize_max)",
			 (unsigned long long)c->bytes, max);
		return -1;
	}
	struct rlimit rl;
	/* two queues per pair, each of maxmsg messages (and the kernel's bookkeeping per message) */
	unsigned long long per_pair = 2ull * (unsigned long long)mq_maxmsg() * ((c->bytes > 8 ? c->bytes : 8) + 64);
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (unsigned long long)c->groups * per_pair > rl.rlim_cur) {
		snprintf(err, len, "%d pairs of %llu-byte queues are more than RLIMIT_MSGQUEUE allows (%llu bytes: at most %llu pairs)",
			 c->groups, (unsigned long long)c->bytes, (unsigned long long)rl.rlim_cur,
			 (unsigned long long)(rl.rlim_cur / per_pair));
		return -1;
	}
	return 0;
}

/* The largest datagram an AF_UNIX datagram socketpair takes here: try it. */
static int dgram_check(const struct pb_mech_case *c, char *err, size_t len)
{
	int sv[2], sndbuf = 0;
	socklen_t sl = sizeof sndbuf;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, len, "socketpair: %s", strerror(errno));
		return -1;
	}
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl);
	void *buf = calloc(1, (size_t)c->bytes);
	ssize_t n = buf ? send(sv[0], buf, (size_t)c->bytes, MSG_DONTWAIT) : -1;
	int e = errno;
	free(buf);
	close(sv[0]);
	close(sv[1]);
	if (n == (ssize_t)c->bytes)
		return 0;
	snprintf(err, len, "message size %llu is beyond the socket buffer (SO_SNDBUF %d bytes; net.core.wmem_default): %s",
		 (unsigned long long)c->bytes, sndbuf, strerror(e));
	return -1;
}

static size_t no_shared(const struct pb_mech_case *c)
{
	(void)c;
	return 0;
}

/* ---- the descriptors ---- */

static const uint64_t sizes_4[] = { 1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 0 };
static const uint64_t sizes_8[] = { 8, 0 };

static const struct chan_ops fd_pipe = { pipe_setup, NULL, fd_send_buf, fd_send, fd_recv, no_done };
static const struct chan_ops fd_socketpair = { socketpair_setup, NULL, fd_send_buf, fd_send, fd_recv, no_done };
static const struct chan_ops fd_unix = { unix_setup, connect_attach, fd_send_buf, fd_send, fd_recv, no_done };
static const struct chan_ops fd_tcp = { tcp_setup, connect_attach, fd_send_buf, fd_send, fd_recv, no_done };
static const struct chan_ops fd_fifo = { fifo_setup, fifo_attach, fd_send_buf, fd_send, fd_recv, no_done };
static const struct chan_ops fd_eventfd = { eventfd_setup, NULL, fd_send_buf, fd_send, fd_recv, no_done };
static const struct chan_ops mq_chan = { mq_setup, mq_attach, fd_send_buf, mq_send_msg, mq_recv_msg, no_done };
static const struct chan_ops shm_chan = { shm_setup, NULL, shm_send_buf, shm_send, shm_recv, shm_recv_done };
static const struct chan_ops queue_chan = { pipe_setup, NULL, fd_send_buf, queue_send, queue_recv, no_done };
static const struct chan_ops mgr_chan = { socketpair_setup, NULL, fd_send_buf, fd_send, fd_recv, no_done };

#define ALL_WAITS (PB_BIT(PB_MWAIT_BLOCK) | PB_BIT(PB_MWAIT_SPIN) | PB_BIT(PB_MWAIT_HYBRID))
#define BOTH_KINDS (PB_BIT(PB_EP_PROCESS) | PB_BIT(PB_EP_THREAD))
#define ALL_PLACES ((1u << PB_NPLACES) - 1)

#define IPC(nm, desc, ops_, sock_, dgram_, run_, modes_, waits_, dwaits_, minb, maxb, sizes, avail, check_, shared) \
	{ { .family = "ipc", .name = nm, .description = desc, .kinds = BOTH_KINDS,                                \
	    .default_kinds = PB_BIT(PB_EP_PROCESS), .waits = waits_, .default_waits = dwaits_, .modes = modes_,     \
	    .places = ALL_PLACES, .sized = 1, .min_bytes = minb, .max_bytes = maxb, .default_bytes = sizes,        \
	    .group_size = 2, .place_group = 2, .max_groups = 64, .default_groups = 1, .params = NULL,              \
	    .available = avail, .check = check_, .shared_size = shared, .setup = ipc_setup, .attach = ipc_attach, \
	    .ready = ipc_ready, .run = ipc_run, .verify = NULL, .detach = ipc_detach, .teardown = ipc_teardown }, \
	  &ops_, sock_, dgram_, run_ }

#define LATBW (PB_BIT(PB_MODE_LAT) | PB_BIT(PB_MODE_BW))
#define BLOCK PB_BIT(PB_MWAIT_BLOCK)

static const struct ipc_mech ipc_mechs[] = {
	IPC("pipe", "two pipes, one per direction", fd_pipe, 0, 0, NULL, LATBW, ALL_WAITS, BLOCK, 1,
	    PB_MECH_MAX_BYTES, sizes_4, NULL, NULL, no_shared),
	IPC("socketpair", "an AF_UNIX stream socketpair", fd_socketpair, 1, 0, NULL, LATBW, ALL_WAITS, BLOCK, 1,
	    PB_MECH_MAX_BYTES, sizes_4, NULL, NULL, no_shared),
	IPC("socketpair-dgram", "an AF_UNIX datagram socketpair: one datagram per message", fd_socketpair, 1, 1, NULL,
	    LATBW, ALL_WAITS, BLOCK, 1, PB_MECH_MAX_BYTES, sizes_4, NULL, dgram_check, no_shared),
	IPC("unix", "a UNIX stream socket: a listener at a path, connect and accept", fd_unix, 1, 0, NULL, LATBW,
	    ALL_WAITS, BLOCK, 1, PB_MECH_MAX_BYTES, sizes_4, NULL, NULL, no_shared),
	IPC("fifo", "two named FIFOs, opened by name", fd_fifo, 0, 0, NULL, LATBW, ALL_WAITS, BLOCK, 1,
	    PB_MECH_MAX_BYTES, sizes_4, NULL, NULL, no_shared),
	IPC("mq", "two POSIX message queues", mq_chan, 0, 0, NULL, LATBW, ALL_WAITS, BLOCK, 1, PB_MECH_MAX_BYTES,
	    sizes_4, mq_available, mq_check, no_shared),
	IPC("tcp", "TCP over loopback (127.0.0.1), TCP_NODELAY", fd_tcp, 1, 0, NULL, LATBW, ALL_WAITS, BLOCK, 1,
	    PB_MECH_MAX_BYTES, sizes_4, NULL, NULL, no_shared),
	IPC("eventfd", "two eventfds: the 8-byte counter value is the message", fd_eventfd, 0, 0, NULL,
	    PB_BIT(PB_MODE_LAT), ALL_WAITS, BLOCK, 8, 8, sizes_8, NULL, NULL, no_shared),
	IPC("shm", "a shared-memory ring per direction, zero copy; block wakes the peer with a futex, spin polls",
	    shm_chan, 0, 0, NULL, LATBW, ALL_WAITS, BLOCK | PB_BIT(PB_MWAIT_SPIN), 1, PB_MECH_MAX_BYTES, sizes_4, NULL,
	    NULL, shm_shared_size),
	IPC("queue", "multiprocessing.Queue's way: a pipe carrying serialised frames (header, copy in, copy out)",
	    queue_chan, 0, 0, NULL, LATBW, ALL_WAITS, BLOCK, 1, PB_MECH_MAX_BYTES, sizes_4, NULL, NULL, no_shared),
	IPC("manager", "a server answering set and get requests over a socket: every access a round trip",
	    mgr_chan, 1, 0, mgr_run, LATBW, ALL_WAITS, BLOCK, 1, PB_MECH_MAX_BYTES, sizes_4, NULL, NULL, no_shared),
};

const struct pb_mech *const pb_mechs_ipc[] = {
	&ipc_mechs[0].m, &ipc_mechs[1].m, &ipc_mechs[2].m, &ipc_mechs[3].m, &ipc_mechs[4].m,  &ipc_mechs[5].m,
	&ipc_mechs[6].m, &ipc_mechs[7].m, &ipc_mechs[8].m, &ipc_mechs[9].m, &ipc_mechs[10].m, NULL,
};
