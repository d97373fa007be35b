/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ftrace_formats.h - event format files for tests and fuzzers of the ftrace
 * decoder, as Linux 6.x writes them (net:net_dev_queue, skb:kfree_skb,
 * tcp:tcp_probe), and the ring-buffer header_page. Include-only.
 */
#ifndef XPKT_TESTS_FTRACE_FORMATS_H
#define XPKT_TESTS_FTRACE_FORMATS_H

#define COMMON                                                                                     \
	"format:\n"                                                                                \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"                     \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"                     \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"             \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

__attribute__((unused)) static const char header_page[] =
    "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
    "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
    "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
    "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";

__attribute__((unused)) static const char fmt_queue[] =
    "name: net_dev_queue\nID: 2304\n" COMMON
    "\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
    "\tfield:unsigned int len;\toffset:16;\tsize:4;\tsigned:0;\n"
    "\tfield:__data_loc char[] name;\toffset:20;\tsize:4;\tsigned:0;\n\n"
    "print fmt: \"dev=%s skbaddr=%p len=%u\", __get_str(name), REC->skbaddr, REC->len\n";

__attribute__((unused)) static const char fmt_kfree[] =
    "name: kfree_skb\nID: 1500\n" COMMON "\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
    "\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n"
    "\tfield:enum skb_drop_reason reason;\toffset:36;\tsize:4;\tsigned:0;\n\n"
    "print fmt: \"skbaddr=%p\", REC->skbaddr\n";

__attribute__((unused)) static const char fmt_probe[] =
    "name: tcp_probe\nID: 2273\n" COMMON "\tfield:__u8 saddr[28];\toffset:8;\tsize:28;\tsigned:0;\n"
    "\tfield:__u8 daddr[28];\toffset:36;\tsize:28;\tsigned:0;\n"
    "\tfield:__u16 sport;\toffset:64;\tsize:2;\tsigned:0;\n"
    "\tfield:__u16 dport;\toffset:66;\tsize:2;\tsigned:0;\n"
    "\tfield:__u16 family;\toffset:68;\tsize:2;\tsigned:0;\n"
    "\tfield:__u16 data_len;\toffset:76;\tsize:2;\tsigned:0;\n"
    "\tfield:const void * skbaddr;\toffset:120;\tsize:8;\tsigned:0;\n\n"
    "print fmt: \"data_len=%d\", REC->data_len\n";

#endif
