/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.S - the pmu-sim test guest: a multiboot (v1) 32-bit kernel that runs
 * workloads with analytically known instruction, cache and TLB behaviour,
 * each between two ROI markers (xchg %bx,%bx), then leaves QEMU through
 * isa-debug-exit. Written in assembly so that the instructions and memory
 * accesses between markers are exactly the ones listed (no compiler, no
 * stack traffic). Snapshot order, two per call, is what the test reads:
 *   0,1 T1 count loop          2,3 warm-up walk (code into L1I/L2/ITLB)
 *   4,5 T2 line walk           6,7 T3 page walk, TLB_BIG_PAGES
 *   8,9 T4 page walk, small   10,11 T5 same pages after a CR3 load
 *  12,13 T6 walk above hv_base 14,15 T7 same pages after a CR3 load
 *  16    TSC pair 1             17    TSC pair 2, TSC_LOOP_K iterations later
 *  18,19 warm-up store walk    20,21 T8 line walk with stores (write-allocate)
 * A TSC pair is rdtsc immediately followed by the marker, the guest's TSC
 * printed on COM1 as "TSC <16 hex digits>": the test pairs it with the
 * marker's host TSC to check that guest TSC - host TSC stays constant.
 */
#include "params.h"

#define MB_MAGIC 0x1badb002

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, 0, -MB_MAGIC	/* flags 0: an ELF image, nothing asked */

	.text
	.code32
	.globl _start
_start:
	cli
	mov	$stack_top, %esp

	call	count_loop

/* WALK base, blocks, stride, passes, cr3: one call of walk */
#define WALK(base, blocks, stride, passes, cr3)                                \
	mov	$(base), %ebp;                                                  \
	mov	$(blocks), %ecx;                                                \
	mov	$(stride), %ebx;                                                \
	mov	$(passes), %edx;                                                \
	mov	$(cr3), %edi;                                                   \
	call	walk

	WALK(SCRATCH_BASE, 1, WALK_LINE, 1, 0)
	WALK(WALK_BASE, WALK_BYTES / WALK_LINE, WALK_LINE, WALK_REPS, 0)
	WALK(TLB_BIG_BASE, TLB_BIG_PAGES, PAGE_BYTES, TLB_REPS, 0)
	WALK(TLB_SMALL_BASE, TLB_SMALL_PAGES, PAGE_BYTES, TLB_REPS, 0)
	WALK(TLB_SMALL_BASE, TLB_SMALL_PAGES, PAGE_BYTES, 2, 1)
	WALK(GLOBAL_BASE, TLB_SMALL_PAGES, PAGE_BYTES, 1, 0)
	WALK(GLOBAL_BASE, TLB_SMALL_PAGES, PAGE_BYTES, 2, 1)

	call	tsc_pair
	mov	$TSC_LOOP_K, %ecx
1:	dec	%ecx
	jnz	1b
	call	tsc_pair

#define WALK_STORE(base, blocks, stride, passes, cr3)                          \
	mov	$(base), %ebp;                                                  \
	mov	$(blocks), %ecx;                                                \
	mov	$(stride), %ebx;                                                \
	mov	$(passes), %edx;                                                \
	mov	$(cr3), %edi;                                                   \
	call	walk_store

	WALK_STORE(SCRATCH_BASE, 1, WALK_LINE, 1, 0)
	WALK_STORE(STORE_BASE, WALK_BYTES / WALK_LINE, WALK_LINE, WALK_REPS, 0)

	/* isa-debug-exit at 0xf4: QEMU exits with status (0 << 1) | 1 = 1. */
	xor	%eax, %eax
	out	%al, $0xf4
1:	hlt
	jmp	1b

/* T1: between the markers, 1 (marker) + 1 (mov) + 2 * LOOP_K instructions. */
count_loop:
	xchg	%bx, %bx
	mov	$LOOP_K, %ecx
1:	dec	%ecx
	jnz	1b
	xchg	%bx, %bx
	ret

/*
 * walk loads one word every %ebx bytes, %ecx times from %ebp, %edx passes;
 * walk_store stores instead (the same code otherwise). With %edi != 0 they
 * first reload CR3 (allowed with paging off; the model flushes its TLBs on the
 * instruction). Between the markers: 1 + 2 (+ 2 with CR3) + passes * (2 + 4 *
 * blocks + 2) instructions, passes * blocks accesses.
 */
.macro WALKER name, access
\name:
	xchg	%bx, %bx
	test	%edi, %edi
	jz	1f
	mov	%cr3, %eax
	mov	%eax, %cr3
1:	mov	%ebp, %esi
	mov	%ecx, %edi
2:	\access
	add	%ebx, %esi
	dec	%edi
	jnz	2b
	dec	%edx
	jnz	1b
	xchg	%bx, %bx
	ret
.endm

	WALKER	walk, "mov (%esi), %eax"
	WALKER	walk_store, "mov %eax, (%esi)"

/* rdtsc, the marker, then "TSC %edx%eax\n" on COM1 (QEMU's UART takes bytes
 * without any setup). */
tsc_pair:
	rdtsc
	xchg	%bx, %bx
	mov	%eax, %edi
	mov	%edx, %ebp
	mov	$'T', %al
	call	putc
	mov	$'S', %al
	call	putc
	mov	$'C', %al
	call	putc
	mov	$' ', %al
	call	putc
	mov	%ebp, %eax
	call	puthex
	mov	%edi, %eax
	call	puthex
	mov	$'\n', %al
	call	putc
	ret

/* %eax as 8 hex digits; clobbers %ebx, %ecx. */
puthex:
	mov	%eax, %ebx
	mov	$8, %ecx
1:	rol	$4, %ebx
	mov	%ebx, %eax
	and	$0xf, %eax
	movb	hexdigits(%eax), %al
	call	putc
	dec	%ecx
	jnz	1b
	ret

/* %al to COM1's transmit register (port 0x3f8). */
putc:
	push	%edx
	mov	$0x3f8, %dx
	out	%al, %dx
	pop	%edx
	ret

	.section .rodata
hexdigits:
	.ascii	"0123456789abcdef"

	.bss
	.align 16
	.skip 4096
stack_top:
