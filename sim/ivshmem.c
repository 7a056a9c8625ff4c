// SPDX-License-Identifier: MIT
/*
 * ttsim-ivshmem: the model device behind QEMU's ivshmem-doorbell.
 *
 * One process is both the ivshmem server (QEMU connects to its UNIX
 * socket) and the device, which is ivshmem peer 0. The register page is
 * at offset 0 of the shared memory (BAR2 in the guest); the guest's RAM
 * is a shared file that this process maps, so a guest physical address is
 * a DMA address. The guest rings (peer 0, vector v) to reach the device;
 * the device signals the guest's eventfd of vector v to interrupt it.
 *
 * One guest at a time: when it disconnects (reboot, exit) the device is
 * destroyed, and the next guest that connects gets a fresh one.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim.h"

#define SERVER_PEER	0
#define NVEC		TTSIM_NUM_VECTORS

struct server {
	const char *socket_path;
	const char *shm_name;
	const char *ram_path;
	uint64_t shm_size;
	uint64_t ram_size;
	struct sim_config cfg;
	bool verbose;

	int listen_fd;
	int shm_fd;
	void *shm;
	uint8_t *ram;

	/* The connected guest, if any. */
	int guest_fd;
	int guest_id;
	int next_id;
	int dev_efd[NVEC];	/* the device's: the guest rings these */
	int guest_efd[NVEC];	/* the guest's: the device signals these */
	struct sim_device *sim;
};

#define LOG_SIZE	(64u << 10)

/* Into the log ring the guest's library reads (uapi/ttsim.h), and to stderr. */
static void log_line(void *ctx, const char *line)
{
	struct ttsim_log *log = ctx;
	size_t n = strlen(line), i;
	uint32_t w;

	fprintf(stderr, "ttsim: %s\n", line);
	if (!log)
		return;		/* shared memory too small for the ring */
	if (n >= LOG_SIZE)
		n = LOG_SIZE - 1;
	w = log->wptr;
	for (i = 0; i < n; i++)
		log->data[(w + i) % LOG_SIZE] = line[i];
	log->data[(w + n) % LOG_SIZE] = '\n';
	__atomic_store_n(&log->wptr, w + (uint32_t)n + 1, __ATOMIC_RELEASE);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ttsim-ivshmem -s SOCKET -r RAMFILE -R RAM_MIB [options]\n"
		"  -s, --socket PATH    UNIX socket QEMU's ivshmem-doorbell chardev connects to\n"
		"  -r, --ram PATH       the guest's RAM file (memory-backend-file mem-path);\n"
		"                       created with the given size if it does not exist\n"
		"  -R, --ram-mib N      guest RAM size in MiB (= -m of QEMU; at most 2048)\n"
		"  -m, --shm-kib N      shared memory (BAR2) size in KiB, a power of two (1024)\n"
		"  -n, --shm-name NAME  use shm_open(NAME) for the shared memory (default: memfd)\n"
		"  -o, --model OPTS     model options, as in the 'sim:' device spec:\n"
		"                       grid=XxY,l1=KiB,dram_banks=N,dram_mib=MiB,threads=N,watchdog_ms=MS,\n"
		"                       reset_ms=MS\n"
		"  -v, --verbose        log connections\n"
		"QEMU: -chardev socket,path=SOCKET,id=ivsh -device ivshmem-doorbell,chardev=ivsh,vectors=%u\n"
		"      -object memory-backend-file,id=mem,size=RAM_MIBM,mem-path=RAMFILE,share=on\n"
		"      -machine memory-backend=mem -m RAM_MIB\n", NVEC);
}

/* One 8-byte little-endian message, with an fd when fd >= 0. */
static int send_msg(int sock, int64_t value, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &value, .iov_len = sizeof(value) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	value = (int64_t)htole64((uint64_t)value);
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != sizeof(value))
		return n < 0 ? -errno : -EIO;
	return 0;
}

static void close_fds(int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static void guest_drop(struct server *s)
{
	if (s->guest_fd < 0)
		return;
	sim_destroy(s->sim);
	s->sim = NULL;
	close(s->guest_fd);
	s->guest_fd = -1;
	close_fds(s->dev_efd, NVEC);
	close_fds(s->guest_efd, NVEC);
	if (s->verbose)
		fprintf(stderr, "ttsim-ivshmem: peer %d left\n", s->guest_id);
}

/* The protocol of QEMU's ivshmem server (docs/specs/ivshmem-spec.rst). */
static int guest_setup(struct server *s, int sock, int id)
{
	unsigned v;
	int ret;

	ret = send_msg(sock, 0, -1);		/* protocol version */
	if (!ret)
		ret = send_msg(sock, id, -1);	/* the guest's peer id */
	if (!ret)
		ret = send_msg(sock, -1, s->shm_fd);
	for (v = 0; v < NVEC && !ret; v++)
		ret = send_msg(sock, SERVER_PEER, s->dev_efd[v]);
	for (v = 0; v < NVEC && !ret; v++)
		ret = send_msg(sock, id, s->guest_efd[v]);
	return ret;
}

static void guest_accept(struct server *s)
{
	struct sim_host host;
	char err[256];
	unsigned v;
	int sock, ret;

	sock = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0)
		return;
	if (s->guest_fd >= 0) {
		fprintf(stderr, "ttsim-ivshmem: a second guest connected; this device serves one\n");
		close(sock);
		return;
	}
	for (v = 0; v < NVEC; v++) {
		s->dev_efd[v] = eventfd(0, EFD_CLOEXEC);
		s->guest_efd[v] = eventfd(0, EFD_CLOEXEC);
		if (s->dev_efd[v] < 0 || s->guest_efd[v] < 0) {
			fprintf(stderr, "ttsim-ivshmem: eventfd: %s\n", strerror(errno));
			goto fail;
		}
	}

	memset(&host, 0, sizeof(host));
	host.regs = s->shm;
	host.dma = s->ram;
	host.dma_size = s->ram_size;
	memcpy(host.doorbell_fd, s->dev_efd, sizeof(s->dev_efd));
	memcpy(host.irq_fd, s->guest_efd, sizeof(s->guest_efd));
	host.log = log_line;
	if (s->shm_size >= TTSIM_LOG_OFFSET + sizeof(struct ttsim_log) + LOG_SIZE)
		host.log_ctx = (uint8_t *)s->shm + TTSIM_LOG_OFFSET;
	ret = sim_create(&s->cfg, &host, &s->sim, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ttsim-ivshmem: model device: %s\n", err);
		goto fail;
	}
	ret = guest_setup(s, sock, s->next_id);
	if (ret) {
		fprintf(stderr, "ttsim-ivshmem: talking to the guest: %s\n", strerror(-ret));
		sim_destroy(s->sim);
		s->sim = NULL;
		goto fail;
	}
	s->guest_fd = sock;
	s->guest_id = s->next_id;
	/* Peer ids are not reused at once, as in QEMU's own server. */
	s->next_id = s->next_id >= 0xffff ? SERVER_PEER + 1 : s->next_id + 1;
	if (s->verbose)
		fprintf(stderr, "ttsim-ivshmem: peer %d connected\n", s->guest_id);
	return;

fail:
	close_fds(s->dev_efd, NVEC);
	close_fds(s->guest_efd, NVEC);
	close(sock);
}

static int parse_u64(const char *arg, const char *what, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-') {
		fprintf(stderr, "ttsim-ivshmem: %s: '%s' is not a number\n", what, arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_args(struct server *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "ram", required_argument, NULL, 'r' },
		{ "ram-mib", required_argument, NULL, 'R' },
		{ "shm-kib", required_argument, NULL, 'm' },
		{ "shm-name", required_argument, NULL, 'n' },
		{ "model", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t kib = 1024, mib = 0;
	char err[256];
	int c;

	while ((c = getopt_long(argc, argv, "s:r:R:m:n:o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			s->socket_path = optarg;
			break;
		case 'r':
			s->ram_path = optarg;
			break;
		case 'R':
			if (parse_u64(optarg, "--ram-mib", &mib))
				return -EINVAL;
			break;
		case 'm':
			if (parse_u64(optarg, "--shm-kib", &kib))
				return -EINVAL;
			break;
		case 'n':
			s->shm_name = optarg;
			break;
		case 'o':
			if (sim_config_parse(&s->cfg, optarg, err, sizeof(err))) {
				fprintf(stderr, "ttsim-ivshmem: --model '%s': %s\n", optarg, err);
				return -EINVAL;
			}
			break;
		case 'v':
			s->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !s->socket_path || !s->ram_path || !mib) {
		usage(stderr);
		return -EINVAL;
	}
	/* Above 2 GiB the RAM is split around the PCI hole: file offset != GPA. */
	if (mib > 2048) {
		fprintf(stderr, "ttsim-ivshmem: --ram-mib %llu: at most 2048\n",
			(unsigned long long)mib);
		return -EINVAL;
	}
	if (kib < 4 || kib & (kib - 1) || kib > (1u << 20)) {
		fprintf(stderr, "ttsim-ivshmem: --shm-kib %llu: a power of two from 4 to 1048576\n",
			(unsigned long long)kib);
		return -EINVAL;
	}
	s->shm_size = kib << 10;
	s->ram_size = mib << 20;
	return 0;
}

static int map_memory(struct server *s)
{
	struct stat st;
	int fd;

	if (s->shm_name)
		s->shm_fd = shm_open(s->shm_name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	else
		s->shm_fd = memfd_create("ttsim-bar2", MFD_CLOEXEC);
	if (s->shm_fd < 0 || ftruncate(s->shm_fd, (off_t)s->shm_size)) {
		fprintf(stderr, "ttsim-ivshmem: shared memory: %s\n", strerror(errno));
		return -errno;
	}
	s->shm = mmap(NULL, s->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->shm_fd, 0);
	if (s->shm == MAP_FAILED) {
		fprintf(stderr, "ttsim-ivshmem: mmap shared memory: %s\n", strerror(errno));
		return -errno;
	}
	if (s->shm_size >= TTSIM_LOG_OFFSET + sizeof(struct ttsim_log) + LOG_SIZE) {
		struct ttsim_log *log = (void *)((uint8_t *)s->shm + TTSIM_LOG_OFFSET);

		log->size = LOG_SIZE;
		log->magic = TTSIM_LOG_MAGIC;
	}

	fd = open(s->ram_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "ttsim-ivshmem: %s: %s\n", s->ram_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	if ((uint64_t)st.st_size != s->ram_size && ftruncate(fd, (off_t)s->ram_size)) {
		fprintf(stderr, "ttsim-ivshmem: %s: %s\n", s->ram_path, strerror(errno));
		close(fd);
		return -errno;
	}
	s->ram = mmap(NULL, s->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s->ram == MAP_FAILED) {
		fprintf(stderr, "ttsim-ivshmem: mmap %s: %s\n", s->ram_path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int listen_on(struct server *s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (strlen(s->socket_path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "ttsim-ivshmem: socket path too long\n");
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, s->socket_path);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		goto fail;
	unlink(s->socket_path);
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(s->listen_fd, 4))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "ttsim-ivshmem: %s: %s\n", s->socket_path, strerror(errno));
	return -errno;
}

int main(int argc, char **argv)
{
	struct server s = { .listen_fd = -1, .shm_fd = -1, .guest_fd = -1,
			    .next_id = SERVER_PEER + 1 };
	sigset_t mask;
	int sfd, status = 1;

	close_fds(s.dev_efd, NVEC);
	close_fds(s.guest_efd, NVEC);
	sim_config_default(&s.cfg);
	if (parse_args(&s, argc, argv))
		return 2;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0 || map_memory(&s) || listen_on(&s))
		goto out;
	fprintf(stderr, "ttsim-ivshmem: listening on %s (grid %ux%u, RAM %llu MiB)\n",
		s.socket_path, s.cfg.grid_x, s.cfg.grid_y,
		(unsigned long long)(s.ram_size >> 20));

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = s.listen_fd, .events = POLLIN },
			{ .fd = s.guest_fd, .events = POLLIN },
		};
		char buf[64];

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ttsim-ivshmem: poll: %s\n", strerror(errno));
			break;
		}
		if (pfd[0].revents) {
			status = 0;
			break;
		}
		if (pfd[1].revents & POLLIN)
			guest_accept(&s);
		/* QEMU sends nothing: readable means it hung up. */
		if (pfd[2].revents && read(s.guest_fd, buf, sizeof(buf)) <= 0)
			guest_drop(&s);
	}
	guest_drop(&s);
	fprintf(stderr, "ttsim-ivshmem: exiting\n");
out:
	if (s.listen_fd >= 0) {
		close(s.listen_fd);
		unlink(s.socket_path);
	}
	if (s.shm_name)
		shm_unlink(s.shm_name);
	return status;
}
