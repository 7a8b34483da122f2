; stage2.asm: the second stage of clk's BIOS boot loader. Stage 1 loads it
; to 0x8000 and enters it in real mode with DL = the boot drive. It
;
;   - enables the A20 line and checks that the CPU has long mode;
;   - reads the BIOS memory map (int 15h E820);
;   - reads the kernel ELF from the disk, checks it and copies its loadable
;     segments to their physical addresses, zeroing what the file does not
;     hold, then reads the initrd to the first page after the kernel;
;   - finds the ACPI RSDP;
;   - builds a Multiboot2 boot information structure (Multiboot2 spec 3.6)
;     and enters the kernel in 32-bit protected mode as a Multiboot2 loader
;     does (spec 3.3): EAX = 0x36D76289, EBX = the structure's address,
;     flat segments, paging and interrupts off. The kernel thus gets the
;     same boot record as under GRUB.
;
; Disk reads go through the BIOS (int 13h AH=42h), or through the ATA
; ports when the boot disk is the primary master (ata.inc), into a buffer
; below 1 MiB; each chunk is then copied to its place above 1 MiB in "unreal
; mode": DS and ES keep 4 GiB limits loaded in protected mode while the
; CPU is back in real mode. A BIOS may reload its segments with 64 KiB
; limits inside int 13h, so unreal mode is set again, with interrupts off,
; before every copy.
;
; Every error prints "clk boot: " and what went wrong on the screen and on
; COM1, then halts.
;
; Low memory while it runs:
;   0x1000  the Multiboot2 information, built last
;   0x3000  the E820 entries as the BIOS returns them
;   0x7C00  stage 1; the stack grows down from here
;   0x8000  stage 2 (at most STAGE2_MAX bytes)
;   0xC000  the first page of the kernel ELF: its headers
;  0x10000  the disk buffer, CHUNK sectors

bits 16
org 0x8000

STAGE2_MAX	equ 0x4000
INFO		equ 0x1000
E820_BUF	equ 0x3000
E820_MAX	equ 64		; entries kept; the kernel keeps as many
E820_SIZE	equ 24		; bytes per entry asked for (ACPI 3.0 form)
ELF_HDR		equ 0xc000
ELF_HDR_SIZE	equ 4096
BUF_SEG		equ 0x1000	; the disk buffer at 0x10000
BUF		equ 0x10000
CHUNK		equ 64		; sectors per read: 32 KiB, inside one 64 KiB page
SECTOR		equ 512
KERNEL_MIN	equ 0x100000	; nothing is loaded below 1 MiB
PAGE		equ 4096

SMAP		equ 0x534d4150	; "SMAP", int 15h E820 signature
E820_RAM	equ 1
E820_ACPI3_VALID equ 1		; extended attributes bit 0: use this entry

; Multiboot2 spec 3.3 and 3.6.
MB2_MAGIC	equ 0x36d76289
MB2_CMDLINE	equ 1
MB2_LOADER	equ 2
MB2_MODULE	equ 3
MB2_MMAP	equ 6
MB2_ACPI_OLD	equ 14
MB2_ACPI_NEW	equ 15

; ELF-64 (System V gABI, "ELF Header" and "Program Header").
ELF_MAGIC	equ 0x464c457f	; 0x7F "ELF"
ELFCLASS64	equ 2
ELFDATA2LSB	equ 1
ET_EXEC		equ 2
EM_X86_64	equ 62
PT_LOAD		equ 1
PHDR_SIZE	equ 56
E_ENTRY		equ 0x18
E_PHOFF		equ 0x20
E_PHENTSIZE	equ 0x36
E_PHNUM		equ 0x38
P_TYPE		equ 0x00
P_OFFSET	equ 0x08
P_VADDR		equ 0x10
P_PADDR		equ 0x18
P_FILESZ	equ 0x20
P_MEMSZ		equ 0x28

CPUID_EXT	equ 0x80000000
CPUID_EXT_FEATURES equ 0x80000001
CPUID_LM	equ 1 << 29	; EDX of 0x80000001: long mode
EFLAGS_ID	equ 1 << 21	; toggles only when CPUID exists

SYSCTL_A	equ 0x92	; "fast A20" system control port A
SYSCTL_A20	equ 0x02
BDA_EBDA	equ 0x40e	; BIOS data area: the EBDA's segment

CODE32		equ 0x08	; selectors of the GDT below
DATA32		equ 0x10

; The header the image builder fills in (image/diskimg writes these
; offsets): where on the disk the kernel and the initrd are, their sizes
; in bytes, and the kernel's command line.
	jmp near main
	times 4-($-$$) db 0
	db "CLK2"
kernel_lba	dd 0
kernel_bytes	dd 0
initrd_lba	dd 0
initrd_bytes	dd 0
cmdline		times 256 db 0

main:
	cld
	mov [drive], dl
	mov si, msg_hello
	call print
	call enable_a20
	call check_long_mode
	call read_e820
	call ata_probe
	call load_kernel
	call load_initrd
	call find_rsdp
	call build_info

	; Into 32-bit protected mode and the kernel.
	cli
	lgdt [gdtr]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp CODE32:pm32

; enable_a20: already on, or through the BIOS (int 15h AX=2401h), or
; through system control port A. Clobbers AX, BX, CX, SI.
enable_a20:
	call a20_on
	je .ok
	mov ax, 0x2401
	int 0x15
	call a20_on
	je .ok
	in al, SYSCTL_A
	or al, SYSCTL_A20
	and al, 0xfe		; bit 0 would reset the CPU
	out SYSCTL_A, al
	mov cx, 0x1000		; the switch may take a moment
.retry:
	call a20_on
	je .ok
	loop .retry
	mov si, msg_a20
	jmp fail
.ok:
	ret

; a20_on sets ZF when the A20 line is on: then 0000:0500 and FFFF:0510
; (0x100500) are different bytes. Clobbers AX, BX.
a20_on:
	push ds
	push es
	xor ax, ax
	mov ds, ax
	dec ax
	mov es, ax
	mov bl, [ds:0x500]
	mov bh, [es:0x510]
	mov byte [ds:0x500], 0x00
	mov byte [es:0x510], 0xff
	mov al, [ds:0x500]	; 0xff if the write wrapped around
	mov [es:0x510], bh
	mov [ds:0x500], bl
	pop es
	pop ds
	cmp al, 0x00
	ret

; check_long_mode fails unless CPUID reports long mode. Clobbers EAX-EDX.
check_long_mode:
	pushfd
	pop eax
	mov ecx, eax
	xor eax, EFLAGS_ID
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	xor eax, ecx
	jz .no
	mov eax, CPUID_EXT
	cpuid
	cmp eax, CPUID_EXT_FEATURES
	jb .no
	mov eax, CPUID_EXT_FEATURES
	cpuid
	test edx, CPUID_LM
	jz .no
	ret
.no:
	mov si, msg_nolm
	jmp fail

; read_e820 stores the memory map at E820_BUF, E820_SIZE bytes an entry,
; skipping empty ones and those ACPI 3.0 says to ignore, and sets
; e820_count. Clobbers EAX-EDX, DI.
read_e820:
	mov di, E820_BUF
	xor ebx, ebx
.next:
	mov dword [di+20], E820_ACPI3_VALID	; for BIOSes that return 20 bytes
	mov eax, 0xe820
	mov ecx, E820_SIZE
	mov edx, SMAP
	int 0x15
	jc .end
	cmp eax, SMAP
	jne .end
	cmp ecx, 20
	jbe .keep
	test byte [di+20], E820_ACPI3_VALID
	jz .skip
.keep:
	mov eax, [di+8]
	or eax, [di+12]
	jz .skip
	mov dword [di+20], 0	; Multiboot2's reserved field
	add di, E820_SIZE
	inc word [e820_count]
	cmp word [e820_count], E820_MAX
	je .end
.skip:
	test ebx, ebx
	jnz .next
.end:
	cmp word [e820_count], 0
	je .none
	ret
.none:
	mov si, msg_e820
	jmp fail

; load_kernel reads the ELF headers, checks them and copies each PT_LOAD
; segment to its physical address. It sets kernel_entry (physical) and
; kernel_end (the first page after the highest segment). A first pass
; over the program headers checks every segment, a second copies them.
; Clobbers EAX-EDX, ESI, EDI.
load_kernel:
	mov si, msg_elf_small
	cmp dword [kernel_bytes], 64
	jb fail
	mov eax, [kernel_bytes]
	mov ecx, ELF_HDR_SIZE
	cmp eax, ecx
	jae .hdr
	mov ecx, eax
.hdr:
	mov eax, [kernel_lba]
	xor ebx, ebx
	mov edi, ELF_HDR
	call disk_copy

	mov si, msg_elf_magic
	cmp dword [ELF_HDR], ELF_MAGIC
	jne fail
	mov si, msg_elf_kind
	cmp byte [ELF_HDR+4], ELFCLASS64
	jne fail
	cmp byte [ELF_HDR+5], ELFDATA2LSB
	jne fail
	cmp word [ELF_HDR+0x10], ET_EXEC
	jne fail
	cmp word [ELF_HDR+0x12], EM_X86_64
	jne fail
	mov si, msg_elf_phdr
	cmp word [ELF_HDR+E_PHENTSIZE], PHDR_SIZE
	jne fail
	cmp dword [ELF_HDR+E_PHOFF+4], 0
	jne fail
	movzx eax, word [ELF_HDR+E_PHNUM]
	test eax, eax
	jz fail
	imul eax, PHDR_SIZE
	add eax, [ELF_HDR+E_PHOFF]
	jc fail
	cmp eax, ELF_HDR_SIZE
	ja fail
	cmp eax, [kernel_bytes]
	ja fail
	mov si, msg_elf_entry
	cmp dword [ELF_HDR+E_ENTRY+4], 0
	jne fail

	; Check every PT_LOAD segment before copying any.
	mov byte [pass], 0
.pass:
	mov bx, [ELF_HDR+E_PHOFF]
	add bx, ELF_HDR
	mov cx, [ELF_HDR+E_PHNUM]
.phdr:
	cmp dword [bx+P_TYPE], PT_LOAD
	jne .skip
	mov si, msg_elf_seg
	mov eax, [bx+P_OFFSET+4]
	or eax, [bx+P_VADDR+4]
	or eax, [bx+P_PADDR+4]
	or eax, [bx+P_FILESZ+4]
	or eax, [bx+P_MEMSZ+4]
	jnz fail
	mov eax, [bx+P_FILESZ]
	cmp eax, [bx+P_MEMSZ]
	ja fail
	add eax, [bx+P_OFFSET]
	jc fail
	cmp eax, [kernel_bytes]
	ja fail
	mov eax, [bx+P_PADDR]
	cmp eax, KERNEL_MIN
	jb fail
	add eax, [bx+P_MEMSZ]
	jc fail
	add eax, PAGE-1
	jc fail
	and eax, -PAGE
	cmp eax, [kernel_end]
	jbe .entry
	mov [kernel_end], eax
.entry:
	; The entry point is a virtual address inside one segment.
	mov eax, [ELF_HDR+E_ENTRY]
	sub eax, [bx+P_VADDR]
	jb .copy
	cmp eax, [bx+P_MEMSZ]
	jae .copy
	add eax, [bx+P_PADDR]
	mov [kernel_entry], eax
.copy:
	cmp byte [pass], 0
	je .skip
	push bx
	push cx
	mov ecx, [bx+P_FILESZ]
	mov edi, [bx+P_PADDR]
	mov eax, [kernel_lba]
	mov ebx, [bx+P_OFFSET]
	call disk_copy		; EDI ends after the file's bytes
	pop cx
	pop bx
	push cx
	mov ecx, [bx+P_MEMSZ]
	sub ecx, [bx+P_FILESZ]
	call zero_fill
	pop cx
.skip:
	add bx, PHDR_SIZE
	dec cx
	jnz .phdr

	cmp byte [pass], 0
	jne .done
	mov si, msg_elf_noload
	cmp dword [kernel_end], 0
	je fail
	mov si, msg_elf_entry
	cmp dword [kernel_entry], 0
	je fail
	; Everything must fit in the RAM that starts below 1 MiB + 1.
	mov eax, [kernel_end]
	add eax, [initrd_bytes]
	mov si, msg_mem
	jc fail
	call check_ram
	mov byte [pass], 1
	jmp .pass
.done:
	ret

; check_ram fails unless [KERNEL_MIN, EAX) is usable RAM in one E820
; entry. Clobbers EBX, ECX, EDX, SI.
check_ram:
	mov si, E820_BUF
	mov cx, [e820_count]
.entry:
	cmp dword [si+16], E820_RAM
	jne .next
	cmp dword [si+4], 0
	jne .next
	cmp dword [si], KERNEL_MIN
	ja .next
	; end = base + length, saturated at 4 GiB
	mov ebx, [si]
	add ebx, [si+8]
	mov edx, [si+12]
	adc edx, 0
	jnz .fits
	cmp eax, ebx
	jbe .fits
.next:
	add si, E820_SIZE
	loop .entry
	mov si, msg_mem
	jmp fail
.fits:
	ret

; load_initrd reads the initrd to kernel_end. Clobbers EAX-EDX, ESI, EDI.
load_initrd:
	mov ecx, [initrd_bytes]
	jecxz .done
	mov eax, [initrd_lba]
	xor ebx, ebx
	mov edi, [kernel_end]
	call disk_copy
.done:
	ret

; disk_copy copies ECX bytes, from byte EBX of the disk extent that starts
; at sector EAX, to physical address EDI, which it leaves just after them.
; Clobbers EAX-EDX, ESI.
disk_copy:
	mov [dc_left], ecx
	mov edx, ebx
	shr edx, 9
	add eax, edx
	mov [dc_lba], eax
	and ebx, SECTOR-1
	mov [dc_skip], ebx
.chunk:
	mov ecx, [dc_left]
	test ecx, ecx
	jz .done
	; sectors = min(CHUNK, (skip + left + 511) / 512)
	add ecx, [dc_skip]
	add ecx, SECTOR-1
	shr ecx, 9
	cmp ecx, CHUNK
	jbe .read
	mov ecx, CHUNK
.read:
	mov [dap_count], cx
	mov eax, [dc_lba]
	mov [dap_lba], eax
	add eax, ecx
	mov [dc_lba], eax
	push edi
	push ecx
	call read_chunk
	pop ecx
	pop edi
	jc .error
	; bytes = min(left, sectors*512 - skip)
	shl ecx, 9
	sub ecx, [dc_skip]
	cmp ecx, [dc_left]
	jbe .copy
	mov ecx, [dc_left]
.copy:
	sub [dc_left], ecx
	mov esi, BUF
	add esi, [dc_skip]
	mov dword [dc_skip], 0
	cli
	call unreal
	mov edx, ecx
	shr ecx, 2
	a32 rep movsd
	mov ecx, edx
	and ecx, 3
	a32 rep movsb
	sti
	jmp .chunk
.done:
	ret
.error:
	mov si, msg_read
	jmp fail

; read_chunk reads the CHUNK or fewer sectors that dap_count and dap_lba
; give into the disk buffer, through the ATA controller when ata_probe
; found the boot disk there, else through the BIOS. CF is set on error.
; Clobbers EAX-EDX, ESI, EDI.
read_chunk:
	cmp byte [ata_ok], 0
	je .bios
	jmp ata_read
.bios:
	mov si, dap
	mov ah, 0x42
	mov dl, [drive]
	int 0x13
	ret

; zero_fill zeroes ECX bytes at physical address EDI. Clobbers EAX, ECX,
; EDX.
zero_fill:
	cli
	call unreal
	xor eax, eax
	mov edx, ecx
	shr ecx, 2
	a32 rep stosd
	mov ecx, edx
	and ecx, 3
	a32 rep stosb
	sti
	ret

; unreal gives DS and ES 4 GiB limits with base 0: it loads them in
; protected mode and comes back to real mode, where reloading the
; selectors (0) keeps the limits. Interrupts must be off.
unreal:
	push eax
	lgdt [gdtr]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp short .pm		; a jump after setting PE, as Intel SDM Vol. 3A 10.9.1 asks
.pm:
	mov ax, DATA32
	mov ds, ax
	mov es, ax
	mov eax, cr0
	and al, 0xfe
	mov cr0, eax
	xor ax, ax
	mov ds, ax
	mov es, ax
	pop eax
	ret

; find_rsdp looks for the ACPI RSDP where ACPI 6.4, 5.2.5.1 says a BIOS
; puts it: the first KiB of the EBDA, then 0xE0000-0xFFFFF, on 16-byte
; boundaries. It sets rsdp_seg (0 when there is none). Clobbers AX, BX,
; CX, DX, SI, ES.
find_rsdp:
	mov ax, [BDA_EBDA]
	test ax, ax
	jz .bios
	mov dx, ax
	add dx, 1024/16
	call scan_rsdp
	jnc .found
.bios:
	mov ax, 0xe000
	mov dx, 0		; up to 0xFFFFF: the segment wraps to 0
	call scan_rsdp
	jnc .found
	ret
.found:
	mov [rsdp_seg], ax
	ret

; scan_rsdp looks at segments AX, AX+1, ... up to DX (exclusive) for a
; valid RSDP at offset 0: it returns with CF clear and AX its segment, or
; CF set.
scan_rsdp:
	mov es, ax
	cmp dword [es:0], 'RSD '
	jne .next
	cmp dword [es:4], 'PTR '
	jne .next
	xor si, si
	xor bl, bl
	mov cx, 20		; the ACPI 1.0 part's checksum
.sum:
	add bl, [es:si]
	inc si
	loop .sum
	test bl, bl
	jz .hit
.next:
	inc ax
	cmp ax, dx
	jne scan_rsdp
	xor ax, ax
	mov es, ax
	stc
	ret
.hit:
	xor bx, bx
	mov es, bx
	clc
	ret

; build_info writes the Multiboot2 information at INFO: the command line,
; the loader's name, the initrd as a module, the RSDP, the memory map.
; Clobbers EAX-ECX, SI, DI, ES (left 0).
build_info:
	xor ax, ax
	mov es, ax
	mov di, INFO+8

	; command line
	mov si, cmdline
	mov ebx, MB2_CMDLINE
	call tag_string

	mov si, loader_name
	mov ebx, MB2_LOADER
	call tag_string

	; initrd: start, end, name
	mov ecx, [initrd_bytes]
	jecxz .rsdp
	mov bx, di
	mov eax, MB2_MODULE
	stosd
	add di, 4
	mov eax, [kernel_end]
	stosd
	add eax, ecx
	stosd
	mov si, module_name
	call copy_string
	call end_tag

.rsdp:
	mov ax, [rsdp_seg]
	test ax, ax
	jz .mmap
	push ds
	mov bx, di
	mov ds, ax
	mov cx, 20
	mov eax, MB2_ACPI_OLD
	cmp byte [15], 2	; revision 2 and later have 36 bytes
	jb .acpi
	mov cx, 36
	mov eax, MB2_ACPI_NEW
.acpi:
	stosd
	add di, 4
	xor si, si
	rep movsb
	pop ds
	call end_tag

.mmap:
	mov bx, di
	mov eax, MB2_MMAP
	stosd
	add di, 4
	mov eax, E820_SIZE
	stosd
	xor eax, eax		; entry version 0
	stosd
	mov si, E820_BUF
	mov ax, [e820_count]
	mov cx, E820_SIZE
	mul cx
	mov cx, ax
	rep movsb
	call end_tag

	; end tag, then the total size
	xor eax, eax
	stosd
	mov eax, 8
	stosd
	mov ax, di
	sub ax, INFO
	movzx eax, ax
	mov [INFO], eax
	mov dword [INFO+4], 0
	ret

; tag_string writes a tag of type EBX holding the NUL-terminated string at
; SI, at DI; DI ends at the next tag. Clobbers EAX, BX, SI.
tag_string:
	mov eax, ebx
	mov bx, di
	stosd
	add di, 4
	call copy_string
	; fall through
; end_tag writes the size of the tag that starts at BX and ends at DI, and
; pads DI to the next 8-byte boundary. Clobbers AX.
end_tag:
	mov ax, di
	sub ax, bx
	mov [bx+4], ax
	mov word [bx+6], 0
	add di, 7
	and di, -8
	ret

; copy_string copies the NUL-terminated string at SI, NUL included, to
; ES:DI. Clobbers AL.
copy_string:
	lodsb
	stosb
	test al, al
	jnz copy_string
	ret

%include "console.inc"
%include "ata.inc"

bits 32
; pm32 runs in 32-bit protected mode with interrupts off and enters the
; kernel as a Multiboot2 loader does.
pm32:
	mov ax, DATA32
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, 0x7c00
	mov eax, MB2_MAGIC
	mov ebx, INFO
	jmp [kernel_entry]

align 8
; Null, flat 32-bit code (CODE32) and flat 32-bit data (DATA32)
; descriptors (Intel SDM Vol. 3A 3.4.5).
gdt:
	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
gdtr:
	dw gdtr - gdt - 1
	dd gdt

dap:
	db 16, 0
dap_count	dw 0
	dw 0, BUF_SEG
dap_lba		dd 0, 0

drive		db 0
pass		db 0
ata_ok		db 0
e820_count	dw 0
rsdp_seg	dw 0
kernel_entry	dd 0
kernel_end	dd 0
dc_lba		dd 0
dc_skip		dd 0
dc_left		dd 0

loader_name	db "clk boot", 0
module_name	db "initrd", 0
msg_hello	db "clk boot: loading the kernel and the initrd", 13, 10, 0
msg_a20		db "cannot enable the A20 line; halted", 13, 10, 0
msg_nolm	db "this CPU has no long mode (x86-64): clk cannot run on it; halted", 13, 10, 0
msg_e820	db "the BIOS gave no memory map (int 15h E820); halted", 13, 10, 0
msg_read	db "disk read error loading the kernel or the initrd; halted", 13, 10, 0
msg_elf_small	db "bad kernel ELF: the file is too short; halted", 13, 10, 0
msg_elf_magic	db "bad kernel ELF: no ELF magic; halted", 13, 10, 0
msg_elf_kind	db "bad kernel ELF: not a little-endian x86-64 executable; halted", 13, 10, 0
msg_elf_phdr	db "bad kernel ELF: bad program headers; halted", 13, 10, 0
msg_elf_seg	db "bad kernel ELF: a segment lies outside the file or below 1 MiB or past 4 GiB; halted", 13, 10, 0
msg_elf_noload	db "bad kernel ELF: nothing to load; halted", 13, 10, 0
msg_elf_entry	db "bad kernel ELF: the entry point is not in a loaded segment; halted", 13, 10, 0
msg_mem		db "not enough memory above 1 MiB for the kernel and the initrd; halted", 13, 10, 0

%if $-$$ > STAGE2_MAX
%error "stage 2 is larger than STAGE2_MAX"
%endif
