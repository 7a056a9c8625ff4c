// SPDX-License-Identifier: MIT
/*
 * Compiling kernels: C source to an RV32IMF ELF linked at the role's L1
 * address, with clang (--target=riscv32) or riscv64-unknown-elf-gcc.
 *
 * The kernel API headers are built into the library and written once into
 * the cache, so a kernel always builds against the headers of the library
 * that runs it. Results are cached by a hash of everything that goes into
 * them: source, role, args, defines, headers, compiler and FP_FLAGS.
 *
 * $TTUSER_CC chooses the compiler; $XDG_CACHE_HOME (or ~/.cache) holds
 * ttuser/.
 */
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chip.h"

extern char **environ;

struct tt_embedded_file {
	const char *path;
	const unsigned char *data;
	unsigned len;
};

/* Generated at build time from libttuser/include/ttuser/kernel and uapi/tt_core.h. */
extern const struct tt_embedded_file tt_kernel_headers[];
extern const unsigned tt_kernel_headers_count;

#define MAX_ELF		(1u << 20)
#define MAX_LOG		7000
/* No a * b + c fused into fmadd.s: kernels round every operation, as the host's C11 does. */
/*
 * The chips' cores have no F: float code in a kernel calls libgcc's soft
 * float, from Debian's gcc-riscv64-unknown-elf for the chip's -march.
 */
#define SOFT_FLOAT_GCC	"riscv64-unknown-elf-gcc"

#define FP_FLAGS	"-ffp-contract=off"

struct hash {
	uint64_t a, b;
};

static void hash_bytes(struct hash *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		h->a = (h->a ^ *p) * 0x100000001b3ull;
		h->b = (h->b ^ *p++) * 0x00000100000001b3ull + 0x9e3779b97f4a7c15ull;
	}
}

static void hash_str(struct hash *h, const char *s)
{
	hash_bytes(h, s, strlen(s) + 1);
}

/* snprintf for paths: -ENAMETOOLONG instead of a cut path. */
static int pathf(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

static int mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int cache_root(char *out, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return pathf(out, len, "%s/ttuser", xdg);
	if (home && *home == '/')
		return pathf(out, len, "%s/.cache/ttuser", home);
	return pathf(out, len, "/tmp/ttuser-%u", (unsigned)getuid());
}

/* Write data to path through a temporary file and a rename. */
static int write_file(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	FILE *f;
	int ok;

	if (pathf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()))
		return -ENAMETOOLONG;
	f = fopen(tmp, "wb");
	if (!f)
		return -errno;
	ok = fwrite(data, 1, len, f) == len;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path)) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *len, size_t max)
{
	struct stat st;
	uint8_t *buf;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) || st.st_size <= 0 || (size_t)st.st_size > max) {
		fclose(f);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*data = buf;
	*len = (size_t)st.st_size;
	return 0;
}

/* The kernel API headers, written once per version under root/include/<hash>. */
static int headers_dir(const char *root, struct hash *key, char *out, size_t len)
{
	struct hash h = { 1, 2 };
	char path[PATH_MAX], done[PATH_MAX];
	unsigned i;
	int ret;

	for (i = 0; i < tt_kernel_headers_count; i++) {
		hash_str(&h, tt_kernel_headers[i].path);
		hash_bytes(&h, tt_kernel_headers[i].data, tt_kernel_headers[i].len);
	}
	hash_bytes(key, &h, sizeof(h));
	if (pathf(out, len, "%s/include/%016llx", root, (unsigned long long)h.a) ||
	    pathf(done, sizeof(done), "%s/.complete", out))
		return -ENAMETOOLONG;
	if (!access(done, F_OK))
		return 0;
	for (i = 0; i < tt_kernel_headers_count; i++) {
		char *slash;

		if (pathf(path, sizeof(path), "%s/%s", out, tt_kernel_headers[i].path))
			return -ENAMETOOLONG;
		slash = strrchr(path, '/');
		*slash = '\0';
		ret = mkdirs(path);
		*slash = '/';
		if (!ret)
			ret = write_file(path, tt_kernel_headers[i].data, tt_kernel_headers[i].len);
		if (ret)
			return ret;
	}
	return write_file(done, "", 0);
}

/* The linker script of a role: everything at the role's L1 window. */
static int linker_script(const char *dir, enum tt_role role, char *out, size_t len)
{
	char text[512];
	int n;

	if (pathf(out, len, "%s/kernel-%d.ld", dir, (int)role))
		return -ENAMETOOLONG;
	if (!access(out, F_OK))
		return 0;
	n = snprintf(text, sizeof(text),
		     "ENTRY(_start)\n"
		     "SECTIONS {\n"
		     "\t. = 0x%x;\n"
		     "\t.text : { KEEP(*(.text.start)) *(.text .text.*) }\n"
		     "\t.rodata : { *(.rodata .rodata.* .srodata .srodata.*) }\n"
		     "\t.data : { *(.data .data.* .sdata .sdata.*) }\n"
		     "\t.bss : { *(.bss .bss.* .sbss .sbss.* COMMON) }\n"
		     "\t/DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }\n"
		     "}\n", TT_L1_KERNEL(role));
	return write_file(out, text, (size_t)n);
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (n && !pathf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog) &&
		    !access(buf, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static const char *compiler(void)
{
	const char *cc = getenv("TTUSER_CC");

	if (cc && *cc)
		return cc;
	if (on_path("clang") && on_path("ld.lld"))
		return "clang";
	if (on_path("riscv64-unknown-elf-gcc"))
		return "riscv64-unknown-elf-gcc";
	return NULL;
}

static bool valid_name(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

struct argv {
	char *v[64];
	unsigned n;
	char store[8192];
	size_t used;
};

static void add(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct argv *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->n + 1 >= sizeof(a->v) / sizeof(a->v[0]) || a->used >= sizeof(a->store))
		return;
	va_start(ap, fmt);
	n = vsnprintf(a->store + a->used, sizeof(a->store) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->store) - a->used)
		return;
	a->v[a->n++] = a->store + a->used;
	a->used += (size_t)n + 1;
	a->v[a->n] = NULL;
}

/* Run argv; its combined output goes to log. 0, or -ENOEXEC if it failed. */
static int run(char *const *argv, char *log, size_t loglen)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status;
	size_t used = 0;
	pid_t pid;
	ssize_t n;

	log[0] = '\0';
	if (pipe(pipefd))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	status = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (status) {
		close(pipefd[0]);
		snprintf(log, loglen, "cannot run %s: %s", argv[0], strerror(status));
		return -ENOEXEC;
	}
	while ((n = read(pipefd[0], log + used, loglen - 1 - used)) > 0 ||
	       (n < 0 && errno == EINTR)) {
		if (n > 0)
			used += (size_t)n;
		if (used == loglen - 1) {
			char sink[4096];

			while (read(pipefd[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	log[used] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ENOEXEC;
}

/*
 * libgcc.a of the multilib for march/mabi, or "" when there is none (then
 * a kernel with float code fails to link, naming the missing routine).
 */
static void soft_float_lib(const char *march, const char *mabi, char *out, size_t len)
{
	/* Asked once per process for the last -march: every chip's is rv32im today. */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char known_for[256], known[PATH_MAX];
	char cmd[256];
	FILE *p;
	size_t n;

	pthread_mutex_lock(&lock);
	snprintf(cmd, sizeof(cmd), "%s/%s", march, mabi);
	if (!strcmp(cmd, known_for)) {
		snprintf(out, len, "%s", known);
		pthread_mutex_unlock(&lock);
		return;
	}
	snprintf(known_for, sizeof(known_for), "%s", cmd);
	known[0] = out[0] = '\0';
	if (!on_path(SOFT_FLOAT_GCC)) {
		pthread_mutex_unlock(&lock);
		return;
	}
	snprintf(cmd, sizeof(cmd), SOFT_FLOAT_GCC " -march=%s -mabi=%s -print-libgcc-file-name "
		 "2>/dev/null", march, mabi);
	p = popen(cmd, "r");
	if (!p) {
		pthread_mutex_unlock(&lock);
		return;
	}
	if (!fgets(out, (int)len, p))
		out[0] = '\0';
	pclose(p);
	n = strcspn(out, "\n");
	out[n] = '\0';
	if (*out != '/' || access(out, R_OK))
		out[0] = '\0';
	snprintf(known, sizeof(known), "%s", out);
	pthread_mutex_unlock(&lock);
}

int tt_compile_kernel(struct tt_device *dev, const char *source, size_t len, const char *origin,
		      const struct tt_kernel_config *cfg, uint8_t **elf, size_t *elf_size)
{
	static atomic_bool said;
	static const char *const roles[] = { "reader", "writer", "compute" };
	char root[PATH_MAX - 128], inc[PATH_MAX], ld[PATH_MAX], src[PATH_MAX], out[PATH_MAX];
	char final[PATH_MAX], key_hex[40], *log;
	struct hash key = { 0x1234, 0x5678 };
	const char *cc = compiler();
	/* The model's harts have F; the chips' cores do not (firmware/). */
	const char *march = dev->chip ? dev->chip->march : "rv32imf";
	const char *mabi = dev->chip ? dev->chip->mabi : "ilp32f";
	char softfloat[PATH_MAX] = "";
	struct argv *a;
	bool gcc;
	unsigned i;
	int ret;

	if (cfg->ncompile_args && !cfg->compile_args)
		return tt_error(-EINVAL, "%s: compile args missing", origin);
	if (cfg->ncompile_args > TT_MAX_ARGS)
		return tt_error(-E2BIG, "%s: %u compile-time args, at most %u", origin,
				cfg->ncompile_args, TT_MAX_ARGS);
	if (cfg->ndefines && !cfg->defines)
		return tt_error(-EINVAL, "%s: defines missing", origin);
	for (i = 0; i < cfg->ndefines; i++)
		if (!valid_name(cfg->defines[i].name) ||
		    (cfg->defines[i].value && strpbrk(cfg->defines[i].value, "\n\r")))
			return tt_error(-EINVAL, "%s: define %u ('%s') is not NAME or NAME=VALUE "
					"on one line", origin, i,
					cfg->defines[i].name ? cfg->defines[i].name : "(null)");
	if (!cc)
		return tt_error(-ENOENT, "no RISC-V compiler: install clang and lld (or "
				"gcc-riscv64-unknown-elf), or set TTUSER_CC");
	gcc = strstr(cc, "gcc") != NULL;

	ret = cache_root(root, sizeof(root));
	if (!ret) {
		ret = pathf(out, sizeof(out), "%s/kernels", root);
		if (!ret)
			ret = mkdirs(out);
	}
	if (!ret)
		ret = headers_dir(root, &key, inc, sizeof(inc));
	if (!ret)
		ret = linker_script(inc, cfg->role, ld, sizeof(ld));
	if (ret)
		return tt_error(ret, "kernel cache %s: %s", root, strerror(-ret));

	if (dev->chip)
		soft_float_lib(march, mabi, softfloat, sizeof(softfloat));
	hash_str(&key, cc);
	hash_str(&key, march);
	hash_str(&key, softfloat);
	hash_bytes(&key, &cfg->role, sizeof(cfg->role));
	hash_bytes(&key, cfg->compile_args, cfg->ncompile_args * sizeof(uint32_t));
	hash_bytes(&key, &cfg->ncompile_args, sizeof(cfg->ncompile_args));
	for (i = 0; i < cfg->ndefines; i++) {
		hash_str(&key, cfg->defines[i].name);
		hash_str(&key, cfg->defines[i].value ? cfg->defines[i].value : "1");
	}
	hash_bytes(&key, source, len);
	hash_str(&key, FP_FLAGS);
	snprintf(key_hex, sizeof(key_hex), "%016llx%016llx", (unsigned long long)key.a,
		 (unsigned long long)key.b);
	if (pathf(final, sizeof(final), "%s/kernels/%s.elf", root, key_hex) ||
	    pathf(src, sizeof(src), "%s/kernels/%s.%d.c", root, key_hex, (int)getpid()) ||
	    pathf(out, sizeof(out), "%s/kernels/%s.%d.elf", root, key_hex, (int)getpid()))
		return tt_error(-ENAMETOOLONG, "kernel cache path %s is too long", root);
	if (!read_file(final, elf, elf_size, MAX_ELF))
		return 0;
	/* A first run compiles for a while: say so, once, on the device's log. */
	if (!atomic_exchange(&said, true)) {
		char line[PATH_MAX + 96];

		snprintf(line, sizeof(line), "ttuser: compiling kernels into %s/kernels "
			 "(once; later runs reuse them)", root);
		tt_device_log(dev, line);
	}

	ret = write_file(src, source, len);
	if (ret)
		return tt_error(ret, "kernel cache: cannot write %s", src);

	a = calloc(1, sizeof(*a));
	log = malloc(MAX_LOG);
	if (!a || !log) {
		free(a);
		free(log);
		unlink(src);
		return tt_error(-ENOMEM, "out of memory");
	}
	add(a, "%s", cc);
	if (gcc) {
		add(a, "-march=%s", march);
		add(a, "-mabi=%s", mabi);
		add(a, "-static");
	} else {
		add(a, "--target=riscv32");
		add(a, "-march=%s", march);
		add(a, "-mabi=%s", mabi);
		add(a, "-fuse-ld=lld");
	}
	if (dev->chip)
		add(a, "-D%s", dev->chip->define);
	add(a, "-mno-relax");
	add(a, "-msmall-data-limit=0");
	add(a, "-O2");
	add(a, "-std=c11");
	add(a, FP_FLAGS);
	add(a, "-ffreestanding");
	add(a, "-nostdlib");
	add(a, "-fno-pic");
	add(a, "-Wall");
	add(a, "-ffunction-sections");
	add(a, "-I%s", inc);
	add(a, "-include");
	add(a, "ttuser/kernel/kernel.h");
	add(a, "-DTT_KERNEL_ROLE=%d", (int)cfg->role);
	if (cfg->role == TT_ROLE_COMPUTE) {
		add(a, "-DMATH_FIDELITY=%d", (int)cfg->math_fidelity);
		add(a, "-DDST_ACCUM_MODE=%d", cfg->fp32_dest_acc ? 1 : 0);
	}
	if (cfg->ncompile_args) {
		char list[TT_MAX_ARGS * 11 + 32];
		size_t n = (size_t)snprintf(list, sizeof(list), "-DKERNEL_COMPILE_TIME_ARGS=");

		for (i = 0; i < cfg->ncompile_args; i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%u", i ? "," : "",
					      cfg->compile_args[i]);
		add(a, "%s", list);
	}
	for (i = 0; i < cfg->ndefines; i++)
		add(a, "-D%s=%s", cfg->defines[i].name,
		    cfg->defines[i].value ? cfg->defines[i].value : "1");
	add(a, "-Wl,-T,%s", ld);
	add(a, "-Wl,-z,max-page-size=16");
	add(a, "-Wl,--gc-sections");
	if (gcc)
		add(a, "-Wl,--no-warn-rwx-segments");
	add(a, "%s", src);
	if (*softfloat)
		add(a, "%s", softfloat);
	add(a, "-o");
	add(a, "%s", out);

	ret = run(a->v, log, MAX_LOG);
	unlink(src);
	if (ret) {
		unlink(out);
		ret = tt_error(-ENOEXEC, "%s kernel %s failed to compile:\n%s",
			       roles[cfg->role], origin, log);
	} else if (rename(out, final)) {
		unlink(out);
		ret = tt_error(-EIO, "kernel cache: cannot store %s", final);
	} else {
		ret = read_file(final, elf, elf_size, MAX_ELF);
		if (ret)
			ret = tt_error(ret, "kernel cache: cannot read %s back", final);
	}
	free(a);
	free(log);
	return ret;
}
