// SPDX-License-Identifier: GPL-2.0
/*
 * test_kprobe_args.c - {STRUCT.MEMBER} in kprobe fetch arguments becomes the
 * member's offset; unknown members and malformed names are errors; on a host
 * with BTF, sk_buff.len resolves inside struct sk_buff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/fclone.h"
#include "capture/kprobe_args.h"

/* A fake kernel: sk_buff.len at 112, net_bridge_port.dev at 8, nothing else. */
static int fake(void *ctx, const char *strct, const char *member, uint32_t *off,
		struct xpkt_err *err)
{
	(void)ctx;
	if (!strcmp(strct, "sk_buff") && !strcmp(member, "len"))
		*off = 112;
	else if (!strcmp(strct, "net_bridge_port") && !strcmp(member, "dev"))
		*off = 8;
	else
		return xpkt_err_set(err, "no %s.%s", strct, member);
	return 0;
}

static void test_expand(void **state)
{
	char out[128];
	struct xpkt_err err = {{0}};

	(void)state;
	assert_int_equal(xpkt_kprobe_expand("skb=%si:x64 len=+{sk_buff.len}(%si):u32", out,
					    sizeof(out), fake, NULL, &err),
			 0);
	assert_string_equal(out, "skb=%si:x64 len=+112(%si):u32");
	assert_int_equal(
	    xpkt_kprobe_expand("d=+0(+{net_bridge_port.dev}(%di)):string a={sk_buff.len}", out,
			       sizeof(out), fake, NULL, &err),
	    0);
	assert_string_equal(out, "d=+0(+8(%di)):string a=112");
	assert_int_equal(xpkt_kprobe_expand("plain=%di", out, sizeof(out), fake, NULL, &err), 0);
	assert_string_equal(out, "plain=%di");
}

static void test_errors(void **state)
{
	char out[16];
	struct xpkt_err err = {{0}};

	(void)state;
	assert_int_equal(xpkt_kprobe_expand("x={sk_buff.nope}", out, sizeof(out), fake, NULL, &err),
			 -1);
	assert_non_null(strstr(err.msg, "sk_buff.nope"));
	assert_int_equal(xpkt_kprobe_expand("x={sk_buff", out, sizeof(out), fake, NULL, &err), -1);
	assert_int_equal(xpkt_kprobe_expand("x={.len}", out, sizeof(out), fake, NULL, &err), -1);
	assert_int_equal(xpkt_kprobe_expand("x={sk_buff.}", out, sizeof(out), fake, NULL, &err),
			 -1);
	assert_int_equal(xpkt_kprobe_expand("0123456789abcdef", out, sizeof(out), fake, NULL, &err),
			 -1);
	/* no BTF loaded: a plain error, not a crash */
	assert_int_equal(
	    xpkt_kprobe_expand("{sk_buff.len}", out, sizeof(out), xpkt_btf_resolve, NULL, &err),
	    -1);
}

/* sk_buff.len lies inside struct sk_buff, whose size is the fast clone's offset. */
static void test_host_btf(void **state)
{
	struct xpkt_btf btf;
	struct xpkt_err err = {{0}};
	uint32_t len_off, skb2_off;

	(void)state;
	if (access(XPKT_BTF_VMLINUX, R_OK))
		skip();
	assert_int_equal(xpkt_btf_load(&btf, XPKT_BTF_VMLINUX, &err), 0);
	assert_int_equal(xpkt_btf_resolve(&btf, "sk_buff", "len", &len_off, &err), 0);
	assert_int_equal(xpkt_btf_resolve(&btf, "sk_buff_fclones", "skb2", &skb2_off, &err), 0);
	assert_true(len_off > 0);
	assert_true(len_off + 4 <= skb2_off);
	assert_int_equal(xpkt_btf_resolve(&btf, "sk_buff", "no_such_member", &len_off, &err), -1);
	xpkt_btf_free(&btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_host_btf),
	};

	return cmocka_run_group_tests_name("kprobe_args", tests, NULL, NULL);
}
