# fakekernel.S is a stand-in for the clk kernel, small enough to assemble with
# binutils in a test. It lets the QEMU harness and go_clk_amd64_exec be tested
# on the host before (and independently of) the real kernel:
#
#   - It carries both entry notes the real kernel carries: a PVH ELF note
#     (QEMU -kernel) and a Multiboot2 header (GRUB multiboot2). Both enter
#     _start in 32-bit protected mode without paging, which is all it needs.
#   - With a non-empty command line it behaves like a program run by
#     go_clk_amd64_exec: it prints "cmdline: <command line>" and ends by the
#     last byte of the command line: a digit N exits through isa-debug-exit
#     with status N, 'x' triple-faults, 'h' hangs with interrupts off.
#   - With an empty command line it behaves like the kernel's serial shell:
#     prompt "clk> ", commands help, mem, uptime and shutdown, and a one-line
#     error for anything else. It echoes what it reads, as a terminal expects.

	.set COM1, 0x3f8		# 16550 UART data register (PC standard base)
	.set COM1_LSR, COM1 + 5		# line status register
	.set LSR_DATA_READY, 0x01	# 16550 LSR bit 0: a byte is waiting
	.set LSR_THR_EMPTY, 0x20	# 16550 LSR bit 5: transmit holding register empty
	.set DEBUG_EXIT, 0xf4		# QEMU isa-debug-exit iobase used by clk

	.set MB2_HEADER_MAGIC, 0xe85250d6	# Multiboot2 spec 3.1.1
	.set MB2_ARCH_I386, 0			# Multiboot2 spec 3.1.1: 32-bit protected mode
	.set MB2_BOOT_MAGIC, 0x36d76289		# Multiboot2 spec 3.2: value in EAX at entry
	.set MB2_TAG_CMDLINE, 1			# Multiboot2 spec 3.6.3
	.set PVH_START_MAGIC, 0x336ec578	# Xen hvm_start_info.magic (arch-x86/hvm/start_info.h)
	.set PVH_CMDLINE_PADDR, 24		# offset of hvm_start_info.cmdline_paddr
	.set XEN_ELFNOTE_PHYS32_ENTRY, 18	# Xen elfnote.h: 32-bit PVH entry point

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.word 0, 0			# end tag: type 0, flags 0
	.long 8				# end tag size
mb2_header_end:

	.section .note.Xen, "a", @note
	.balign 4
	.long 4				# name size ("Xen\0")
	.long 4				# descriptor size
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long _start

	.code32
	.text

# _start: entered from PVH (EBX = hvm_start_info) or Multiboot2
# (EAX = MB2_BOOT_MAGIC, EBX = boot information), flat 32-bit segments,
# interrupts off, no stack.
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	cld
	xor %esi, %esi
	cmp $MB2_BOOT_MAGIC, %eax
	je 1f
	cmpl $PVH_START_MAGIC, (%ebx)
	jne have_cmdline
	mov PVH_CMDLINE_PADDR(%ebx), %esi
	jmp have_cmdline
1:	lea 8(%ebx), %edx		# first tag follows total_size and reserved
2:	mov (%edx), %ecx		# tag type; 0 ends the list
	test %ecx, %ecx
	jz have_cmdline
	cmp $MB2_TAG_CMDLINE, %ecx
	jne 3f
	lea 8(%edx), %esi		# the string follows type and size
	jmp have_cmdline
3:	mov 4(%edx), %ecx		# tag size, padded to 8 bytes
	add $7, %ecx
	and $~7, %ecx
	add %ecx, %edx
	jmp 2b

have_cmdline:
	test %esi, %esi
	jz shell
	cmpb $0, (%esi)
	je shell

# Program mode.
	mov %esi, %ebx
	mov $msg_cmdline, %esi
	call puts
	mov %ebx, %esi
	call puts
	mov $msg_crlf, %esi
	call puts
	mov %ebx, %esi			# find the last byte
1:	cmpb $0, 1(%esi)
	je 2f
	inc %esi
	jmp 1b
2:	movzbl (%esi), %eax
	cmp $'x', %al
	je triple_fault
	cmp $'h', %al
	je hang
	sub $'0', %eax
	cmp $9, %eax
	jbe exit
	mov $99, %eax			# not a digit: a status the tests do not expect
	jmp exit

triple_fault:
	lidt null_idt			# no IDT: the breakpoint cannot be delivered
	int3
hang:
	hlt
	jmp hang

# exit: ends QEMU with guest status AL. Clobbers nothing it returns to.
exit:
	out %al, $DEBUG_EXIT
	jmp hang

# Shell mode.
shell:
	mov $msg_banner, %esi
	call puts
prompt:
	mov $msg_prompt, %esi
	call puts
	mov $line, %edi
read:
	call getc
	cmp $'\r', %al
	je 1f
	cmp $'\n', %al
	je 1f
	cmp $line_end, %edi
	je read				# line full: drop the byte
	stosb
	call putc
	jmp read
1:	movb $0, (%edi)
	mov $msg_crlf, %esi
	call puts
	cmp $line, %edi
	je prompt
	mov $commands, %ebx		# table of (name, reply) pointers
2:	mov (%ebx), %edi
	test %edi, %edi
	jz unknown
	mov $line, %esi
	call streq
	je 3f
	add $8, %ebx
	jmp 2b
3:	mov 4(%ebx), %esi
	test %esi, %esi
	jz shutdown
	call puts
	jmp prompt
unknown:
	mov $msg_unknown, %esi
	call puts
	mov $line, %esi
	call puts
	mov $msg_crlf, %esi
	call puts
	jmp prompt
shutdown:
	mov $msg_bye, %esi
	call puts
	xor %eax, %eax
	jmp exit

# putc writes AL to COM1. Clobbers EDX.
putc:
	push %eax
	mov $COM1_LSR, %dx
1:	in %dx, %al
	test $LSR_THR_EMPTY, %al
	jz 1b
	pop %eax
	mov $COM1, %dx
	out %al, %dx
	ret

# puts writes the NUL-terminated string at ESI to COM1. Clobbers EAX, EDX, ESI.
puts:
	lodsb
	test %al, %al
	jz 1f
	call putc
	jmp puts
1:	ret

# getc waits for a byte from COM1 and returns it in AL. Clobbers EDX.
getc:
	mov $COM1_LSR, %dx
1:	in %dx, %al
	test $LSR_DATA_READY, %al
	jz 1b
	mov $COM1, %dx
	in %dx, %al
	ret

# streq compares the NUL-terminated strings at ESI and EDI; ZF is set when
# they are equal. Clobbers EAX, ESI, EDI.
streq:
	lodsb
	cmp (%edi), %al
	jne 1f
	inc %edi
	test %al, %al
	jnz streq
1:	ret

	.section .rodata
	.balign 4
commands:
	.long cmd_help, reply_help
	.long cmd_mem, reply_mem
	.long cmd_uptime, reply_uptime
	.long cmd_shutdown, 0
	.long 0, 0
cmd_help:	.asciz "help"
cmd_mem:	.asciz "mem"
cmd_uptime:	.asciz "uptime"
cmd_shutdown:	.asciz "shutdown"
reply_help:	.asciz "help      list commands\r\nmem       memory use\r\nuptime    time since boot\r\nshutdown  power off\r\n"
reply_mem:	.asciz "memory: 511 MiB total, 509 MiB free\r\n"
reply_uptime:	.asciz "up 0.001 s\r\n"
msg_banner:	.asciz "fake kernel for the clk test harness\r\n"
msg_prompt:	.asciz "clk> "
msg_unknown:	.asciz "unknown command: "
msg_bye:	.asciz "powering off\r\n"
msg_cmdline:	.asciz "cmdline: "
msg_crlf:	.asciz "\r\n"
	.balign 8
null_idt:
	.word 0
	.long 0

	.bss
	.balign 16
line:	.skip 63
line_end:
	.skip 1
	.skip 4096
stack_top:
