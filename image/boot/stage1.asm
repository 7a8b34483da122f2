; stage1.asm: the first stage of clk's BIOS boot loader, one 512-byte
; sector. The image builder (image/diskimg) writes it twice: as the disk's
; master boot record, which the BIOS runs, and as the first sector of the
; boot partition, which another loader runs when it chainloads that
; partition (GRUB's "chainloader +1"). Both copies do the same: read stage 2
; from the sectors the builder recorded in the disk address packet below
; (absolute LBAs, so it does not matter which copy runs) to 0x8000 and
; jump there.
;
; Entry: real mode at 0000:7C00 or 07C0:0000, DL = the BIOS drive number.
; Stage 2 is entered at 0000:8000 with DL = that drive, DS = ES = SS = 0
; and the stack below 0x7C00.

bits 16
org 0x7c00

STAGE2		equ 0x8000	; where stage 2 is loaded and entered
STAGE2_MAGIC_AT	equ STAGE2+4	; stage2.asm's header starts with its magic
DAP_AT		equ 0x1a8	; offset of the disk address packet in the sector
EXT_MAGIC	equ 0x55aa	; int 13h AH=41h: BX in, swapped BX out
EXT_DAP		equ 1		; int 13h AH=41h: CX bit 0, packet-based access

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	jmp 0:.flat		; CS = 0 whichever way the BIOS jumped here
.flat:
	sti
	cld
	mov [drive], dl
	call serial_init

	; The disk must be readable by LBA (int 13h extensions, EDD 3.0).
	mov ah, 0x41
	mov bx, EXT_MAGIC
	mov dl, [drive]
	int 0x13
	mov si, msg_noext
	jc fail
	cmp bx, 0xaa55
	jne fail
	test cl, EXT_DAP
	jz fail

	mov si, dap
	mov ah, 0x42		; extended read
	mov dl, [drive]
	int 0x13
	mov si, msg_read
	jc fail
	cmp dword [STAGE2_MAGIC_AT], 'CLK2'
	mov si, msg_stage2
	jne fail
	mov dl, [drive]
	jmp 0:STAGE2

%include "console.inc"

msg_noext	db "the BIOS cannot read this disk by LBA (no int 13h extensions); halted", 13, 10, 0
msg_read	db "disk read error loading stage 2; halted", 13, 10, 0
msg_stage2	db "no stage 2 where the image builder recorded it; halted", 13, 10, 0
drive		db 0

; The disk address packet (EDD 3.0) of stage 2. The image builder fills in
; the sector count and the LBA.
	times DAP_AT-($-$$) db 0
dap:
	db 16, 0	; packet size, reserved
	dw 0		; sectors
	dw STAGE2, 0	; buffer offset, segment
	dq 0		; first sector (LBA)

; 0x1B8: disk signature, 0x1BE: partition table, both the builder's.
	times 510-($-$$) db 0
	dw 0xaa55
