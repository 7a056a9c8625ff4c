// SPDX-License-Identifier: MIT
/*
 * A device that takes its time to reset (the model with reset_ms=2000)
 * costs only the file that waits for it: while one thread resets, and
 * waits in RESET_DEVICE for the device to let go of a stale file's rings
 * and then in POST_RESET, other files open, ask and get answers at once.
 *
 * qemu-check device: reset_ms=2000
 */
#include <pthread.h>
#include <time.h>

#include "kmod_test.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct resetter {
	int fd;
	int reset_err, post_err;
	uint32_t reset_result, post_result;
	int reset_returned, done;	/* atomics */
};

static int reset_device(int f, uint32_t how, uint32_t *result)
{
	struct tenstorrent_reset_device r;
	int err;

	memset(&r, 0, sizeof(r));
	r.in.output_size_bytes = sizeof(r.out);
	r.in.flags = how;
	err = kt_ioctl(f, TENSTORRENT_IOCTL_RESET_DEVICE, &r);
	*result = r.out.result;
	return err;
}

static void *reset_thread(void *arg)
{
	struct resetter *r = arg;

	r->reset_err = reset_device(r->fd, TENSTORRENT_RESET_DEVICE_ASIC_RESET, &r->reset_result);
	__atomic_store_n(&r->reset_returned, 1, __ATOMIC_RELEASE);
	r->post_err = reset_device(r->fd, TENSTORRENT_RESET_DEVICE_POST_RESET, &r->post_result);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint32_t reset_state(int f)
{
	struct tenstorrent_reset_state s;

	memset(&s, 0, sizeof(s));
	s.argsz = sizeof(s);
	assert_int_equal(kt_ioctl(f, TENSTORRENT_IOCTL_RESET_STATE, &s), 0);
	return s.state;
}

static void test_slow_reset_stalls_nobody(void **state)
{
	struct resetter r = { .fd = kt_open() };
	struct tenstorrent_get_device_info info;
	struct tenstorrent_allocate_dma_buf_out o;
	int holder = kt_open(), fresh;
	struct ttsim_regs *regs;
	double start, answered, done;
	pthread_t t;

	(void)state;
	/* A stale file-to-be with a queue whose rings are its buffer. */
	o = kt_dma_alloc(holder, 0, 2 * PAGE);
	regs = kt_map(holder, kt_regs_offset(holder), PAGE);
	regs->queue[1].issue_base = o.physical_address;
	regs->queue[1].issue_size = PAGE;
	regs->queue[1].comp_base = o.physical_address + PAGE;
	regs->queue[1].comp_entries = 8;
	regs->queue[1].enable = 1;

	start = now_s();
	assert_int_equal(pthread_create(&t, NULL, reset_thread, &r), 0);
	/* Wait until the reset started (the holder goes stale), not until it ends. */
	while (reset_state(holder) == TENSTORRENT_STATE_READY && !__atomic_load_n(&r.done,
										  __ATOMIC_ACQUIRE))
		usleep(1000);

	fresh = kt_open();
	memset(&info, 0, sizeof(info));
	info.in.output_size_bytes = sizeof(info.out);
	assert_int_equal(kt_ioctl(fresh, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &info), 0);
	assert_int_equal(info.out.vendor_id, 0x1af4);
	assert_int_equal(reset_state(fresh), TENSTORRENT_STATE_RESETTING);
	assert_int_equal(kt_ioctl(holder, TENSTORRENT_IOCTL_GET_DEVICE_INFO, &info), 0);
	answered = now_s();

	assert_int_equal(pthread_join(t, NULL), 0);
	done = now_s();
	/*
	 * All that while the device still reset: the answers came long before
	 * the resetter, which waited the device's 2 s (an order, not a speed:
	 * a reset lock held while waiting makes them come together).
	 */
	print_message("answers after %.3f s, the resetter after %.3f s\n", answered - start,
		      done - start);
	assert_true(done - start >= 2.0);
	assert_true(done - answered >= 1.0);
	assert_int_equal(r.reset_err, 0);
	assert_int_equal(r.reset_result, 0);
	assert_int_equal(r.post_err, 0);
	assert_int_equal(r.post_result, 0);
	assert_int_equal(reset_state(fresh), TENSTORRENT_STATE_READY);
	munmap(regs, PAGE);
	close(holder);
	close(fresh);
	close(r.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_reset_stalls_nobody),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
