// Constants of the vector math, as float32 (or int32) bit patterns repeated in
// the 8 lanes of a YMM register so instructions can take them as memory
// operands. Included by each .s file that needs them (the <> symbols are
// file-local).

DATA expHi<>+0(SB)/4, $0x42b0c09d
DATA expHi<>+4(SB)/4, $0x42b0c09d
DATA expHi<>+8(SB)/4, $0x42b0c09d
DATA expHi<>+12(SB)/4, $0x42b0c09d
DATA expHi<>+16(SB)/4, $0x42b0c09d
DATA expHi<>+20(SB)/4, $0x42b0c09d
DATA expHi<>+24(SB)/4, $0x42b0c09d
DATA expHi<>+28(SB)/4, $0x42b0c09d
GLOBL expHi<>(SB), RODATA|NOPTR, $32

DATA expLo<>+0(SB)/4, $0xc2aeac50
DATA expLo<>+4(SB)/4, $0xc2aeac50
DATA expLo<>+8(SB)/4, $0xc2aeac50
DATA expLo<>+12(SB)/4, $0xc2aeac50
DATA expLo<>+16(SB)/4, $0xc2aeac50
DATA expLo<>+20(SB)/4, $0xc2aeac50
DATA expLo<>+24(SB)/4, $0xc2aeac50
DATA expLo<>+28(SB)/4, $0xc2aeac50
GLOBL expLo<>(SB), RODATA|NOPTR, $32

DATA log2e<>+0(SB)/4, $0x3fb8aa3b
DATA log2e<>+4(SB)/4, $0x3fb8aa3b
DATA log2e<>+8(SB)/4, $0x3fb8aa3b
DATA log2e<>+12(SB)/4, $0x3fb8aa3b
DATA log2e<>+16(SB)/4, $0x3fb8aa3b
DATA log2e<>+20(SB)/4, $0x3fb8aa3b
DATA log2e<>+24(SB)/4, $0x3fb8aa3b
DATA log2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL log2e<>(SB), RODATA|NOPTR, $32

DATA half<>+0(SB)/4, $0x3f000000
DATA half<>+4(SB)/4, $0x3f000000
DATA half<>+8(SB)/4, $0x3f000000
DATA half<>+12(SB)/4, $0x3f000000
DATA half<>+16(SB)/4, $0x3f000000
DATA half<>+20(SB)/4, $0x3f000000
DATA half<>+24(SB)/4, $0x3f000000
DATA half<>+28(SB)/4, $0x3f000000
GLOBL half<>(SB), RODATA|NOPTR, $32

DATA one<>+0(SB)/4, $0x3f800000
DATA one<>+4(SB)/4, $0x3f800000
DATA one<>+8(SB)/4, $0x3f800000
DATA one<>+12(SB)/4, $0x3f800000
DATA one<>+16(SB)/4, $0x3f800000
DATA one<>+20(SB)/4, $0x3f800000
DATA one<>+24(SB)/4, $0x3f800000
DATA one<>+28(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $32

DATA twenty<>+0(SB)/4, $0x41a00000
DATA twenty<>+4(SB)/4, $0x41a00000
DATA twenty<>+8(SB)/4, $0x41a00000
DATA twenty<>+12(SB)/4, $0x41a00000
DATA twenty<>+16(SB)/4, $0x41a00000
DATA twenty<>+20(SB)/4, $0x41a00000
DATA twenty<>+24(SB)/4, $0x41a00000
DATA twenty<>+28(SB)/4, $0x41a00000
GLOBL twenty<>(SB), RODATA|NOPTR, $32

DATA expC1<>+0(SB)/4, $0x3f318000
DATA expC1<>+4(SB)/4, $0x3f318000
DATA expC1<>+8(SB)/4, $0x3f318000
DATA expC1<>+12(SB)/4, $0x3f318000
DATA expC1<>+16(SB)/4, $0x3f318000
DATA expC1<>+20(SB)/4, $0x3f318000
DATA expC1<>+24(SB)/4, $0x3f318000
DATA expC1<>+28(SB)/4, $0x3f318000
GLOBL expC1<>(SB), RODATA|NOPTR, $32

DATA expC2<>+0(SB)/4, $0xb95e8083
DATA expC2<>+4(SB)/4, $0xb95e8083
DATA expC2<>+8(SB)/4, $0xb95e8083
DATA expC2<>+12(SB)/4, $0xb95e8083
DATA expC2<>+16(SB)/4, $0xb95e8083
DATA expC2<>+20(SB)/4, $0xb95e8083
DATA expC2<>+24(SB)/4, $0xb95e8083
DATA expC2<>+28(SB)/4, $0xb95e8083
GLOBL expC2<>(SB), RODATA|NOPTR, $32

DATA expP0<>+0(SB)/4, $0x39506967
DATA expP0<>+4(SB)/4, $0x39506967
DATA expP0<>+8(SB)/4, $0x39506967
DATA expP0<>+12(SB)/4, $0x39506967
DATA expP0<>+16(SB)/4, $0x39506967
DATA expP0<>+20(SB)/4, $0x39506967
DATA expP0<>+24(SB)/4, $0x39506967
DATA expP0<>+28(SB)/4, $0x39506967
GLOBL expP0<>(SB), RODATA|NOPTR, $32

DATA expP1<>+0(SB)/4, $0x3ab743ce
DATA expP1<>+4(SB)/4, $0x3ab743ce
DATA expP1<>+8(SB)/4, $0x3ab743ce
DATA expP1<>+12(SB)/4, $0x3ab743ce
DATA expP1<>+16(SB)/4, $0x3ab743ce
DATA expP1<>+20(SB)/4, $0x3ab743ce
DATA expP1<>+24(SB)/4, $0x3ab743ce
DATA expP1<>+28(SB)/4, $0x3ab743ce
GLOBL expP1<>(SB), RODATA|NOPTR, $32

DATA expP2<>+0(SB)/4, $0x3c088908
DATA expP2<>+4(SB)/4, $0x3c088908
DATA expP2<>+8(SB)/4, $0x3c088908
DATA expP2<>+12(SB)/4, $0x3c088908
DATA expP2<>+16(SB)/4, $0x3c088908
DATA expP2<>+20(SB)/4, $0x3c088908
DATA expP2<>+24(SB)/4, $0x3c088908
DATA expP2<>+28(SB)/4, $0x3c088908
GLOBL expP2<>(SB), RODATA|NOPTR, $32

DATA expP3<>+0(SB)/4, $0x3d2aa9c1
DATA expP3<>+4(SB)/4, $0x3d2aa9c1
DATA expP3<>+8(SB)/4, $0x3d2aa9c1
DATA expP3<>+12(SB)/4, $0x3d2aa9c1
DATA expP3<>+16(SB)/4, $0x3d2aa9c1
DATA expP3<>+20(SB)/4, $0x3d2aa9c1
DATA expP3<>+24(SB)/4, $0x3d2aa9c1
DATA expP3<>+28(SB)/4, $0x3d2aa9c1
GLOBL expP3<>(SB), RODATA|NOPTR, $32

DATA expP4<>+0(SB)/4, $0x3e2aaaaa
DATA expP4<>+4(SB)/4, $0x3e2aaaaa
DATA expP4<>+8(SB)/4, $0x3e2aaaaa
DATA expP4<>+12(SB)/4, $0x3e2aaaaa
DATA expP4<>+16(SB)/4, $0x3e2aaaaa
DATA expP4<>+20(SB)/4, $0x3e2aaaaa
DATA expP4<>+24(SB)/4, $0x3e2aaaaa
DATA expP4<>+28(SB)/4, $0x3e2aaaaa
GLOBL expP4<>(SB), RODATA|NOPTR, $32

DATA expP5<>+0(SB)/4, $0x3f000000
DATA expP5<>+4(SB)/4, $0x3f000000
DATA expP5<>+8(SB)/4, $0x3f000000
DATA expP5<>+12(SB)/4, $0x3f000000
DATA expP5<>+16(SB)/4, $0x3f000000
DATA expP5<>+20(SB)/4, $0x3f000000
DATA expP5<>+24(SB)/4, $0x3f000000
DATA expP5<>+28(SB)/4, $0x3f000000
GLOBL expP5<>(SB), RODATA|NOPTR, $32

DATA k127<>+0(SB)/4, $0x0000007f
DATA k127<>+4(SB)/4, $0x0000007f
DATA k127<>+8(SB)/4, $0x0000007f
DATA k127<>+12(SB)/4, $0x0000007f
DATA k127<>+16(SB)/4, $0x0000007f
DATA k127<>+20(SB)/4, $0x0000007f
DATA k127<>+24(SB)/4, $0x0000007f
DATA k127<>+28(SB)/4, $0x0000007f
GLOBL k127<>(SB), RODATA|NOPTR, $32

DATA k126<>+0(SB)/4, $0x0000007e
DATA k126<>+4(SB)/4, $0x0000007e
DATA k126<>+8(SB)/4, $0x0000007e
DATA k126<>+12(SB)/4, $0x0000007e
DATA k126<>+16(SB)/4, $0x0000007e
DATA k126<>+20(SB)/4, $0x0000007e
DATA k126<>+24(SB)/4, $0x0000007e
DATA k126<>+28(SB)/4, $0x0000007e
GLOBL k126<>(SB), RODATA|NOPTR, $32

DATA signbit<>+0(SB)/4, $0x80000000
DATA signbit<>+4(SB)/4, $0x80000000
DATA signbit<>+8(SB)/4, $0x80000000
DATA signbit<>+12(SB)/4, $0x80000000
DATA signbit<>+16(SB)/4, $0x80000000
DATA signbit<>+20(SB)/4, $0x80000000
DATA signbit<>+24(SB)/4, $0x80000000
DATA signbit<>+28(SB)/4, $0x80000000
GLOBL signbit<>(SB), RODATA|NOPTR, $32

DATA mantmask<>+0(SB)/4, $0x007fffff
DATA mantmask<>+4(SB)/4, $0x007fffff
DATA mantmask<>+8(SB)/4, $0x007fffff
DATA mantmask<>+12(SB)/4, $0x007fffff
DATA mantmask<>+16(SB)/4, $0x007fffff
DATA mantmask<>+20(SB)/4, $0x007fffff
DATA mantmask<>+24(SB)/4, $0x007fffff
DATA mantmask<>+28(SB)/4, $0x007fffff
GLOBL mantmask<>(SB), RODATA|NOPTR, $32

DATA sqrthf<>+0(SB)/4, $0x3f3504f3
DATA sqrthf<>+4(SB)/4, $0x3f3504f3
DATA sqrthf<>+8(SB)/4, $0x3f3504f3
DATA sqrthf<>+12(SB)/4, $0x3f3504f3
DATA sqrthf<>+16(SB)/4, $0x3f3504f3
DATA sqrthf<>+20(SB)/4, $0x3f3504f3
DATA sqrthf<>+24(SB)/4, $0x3f3504f3
DATA sqrthf<>+28(SB)/4, $0x3f3504f3
GLOBL sqrthf<>(SB), RODATA|NOPTR, $32

DATA logP0<>+0(SB)/4, $0x3d9021bb
DATA logP0<>+4(SB)/4, $0x3d9021bb
DATA logP0<>+8(SB)/4, $0x3d9021bb
DATA logP0<>+12(SB)/4, $0x3d9021bb
DATA logP0<>+16(SB)/4, $0x3d9021bb
DATA logP0<>+20(SB)/4, $0x3d9021bb
DATA logP0<>+24(SB)/4, $0x3d9021bb
DATA logP0<>+28(SB)/4, $0x3d9021bb
GLOBL logP0<>(SB), RODATA|NOPTR, $32

DATA logP1<>+0(SB)/4, $0xbdebd1b8
DATA logP1<>+4(SB)/4, $0xbdebd1b8
DATA logP1<>+8(SB)/4, $0xbdebd1b8
DATA logP1<>+12(SB)/4, $0xbdebd1b8
DATA logP1<>+16(SB)/4, $0xbdebd1b8
DATA logP1<>+20(SB)/4, $0xbdebd1b8
DATA logP1<>+24(SB)/4, $0xbdebd1b8
DATA logP1<>+28(SB)/4, $0xbdebd1b8
GLOBL logP1<>(SB), RODATA|NOPTR, $32

DATA logP2<>+0(SB)/4, $0x3def251a
DATA logP2<>+4(SB)/4, $0x3def251a
DATA logP2<>+8(SB)/4, $0x3def251a
DATA logP2<>+12(SB)/4, $0x3def251a
DATA logP2<>+16(SB)/4, $0x3def251a
DATA logP2<>+20(SB)/4, $0x3def251a
DATA logP2<>+24(SB)/4, $0x3def251a
DATA logP2<>+28(SB)/4, $0x3def251a
GLOBL logP2<>(SB), RODATA|NOPTR, $32

DATA logP3<>+0(SB)/4, $0xbdfe5d4f
DATA logP3<>+4(SB)/4, $0xbdfe5d4f
DATA logP3<>+8(SB)/4, $0xbdfe5d4f
DATA logP3<>+12(SB)/4, $0xbdfe5d4f
DATA logP3<>+16(SB)/4, $0xbdfe5d4f
DATA logP3<>+20(SB)/4, $0xbdfe5d4f
DATA logP3<>+24(SB)/4, $0xbdfe5d4f
DATA logP3<>+28(SB)/4, $0xbdfe5d4f
GLOBL logP3<>(SB), RODATA|NOPTR, $32

DATA logP4<>+0(SB)/4, $0x3e11e9bf
DATA logP4<>+4(SB)/4, $0x3e11e9bf
DATA logP4<>+8(SB)/4, $0x3e11e9bf
DATA logP4<>+12(SB)/4, $0x3e11e9bf
DATA logP4<>+16(SB)/4, $0x3e11e9bf
DATA logP4<>+20(SB)/4, $0x3e11e9bf
DATA logP4<>+24(SB)/4, $0x3e11e9bf
DATA logP4<>+28(SB)/4, $0x3e11e9bf
GLOBL logP4<>(SB), RODATA|NOPTR, $32

DATA logP5<>+0(SB)/4, $0xbe2aae50
DATA logP5<>+4(SB)/4, $0xbe2aae50
DATA logP5<>+8(SB)/4, $0xbe2aae50
DATA logP5<>+12(SB)/4, $0xbe2aae50
DATA logP5<>+16(SB)/4, $0xbe2aae50
DATA logP5<>+20(SB)/4, $0xbe2aae50
DATA logP5<>+24(SB)/4, $0xbe2aae50
DATA logP5<>+28(SB)/4, $0xbe2aae50
GLOBL logP5<>(SB), RODATA|NOPTR, $32

DATA logP6<>+0(SB)/4, $0x3e4cceac
DATA logP6<>+4(SB)/4, $0x3e4cceac
DATA logP6<>+8(SB)/4, $0x3e4cceac
DATA logP6<>+12(SB)/4, $0x3e4cceac
DATA logP6<>+16(SB)/4, $0x3e4cceac
DATA logP6<>+20(SB)/4, $0x3e4cceac
DATA logP6<>+24(SB)/4, $0x3e4cceac
DATA logP6<>+28(SB)/4, $0x3e4cceac
GLOBL logP6<>(SB), RODATA|NOPTR, $32

DATA logP7<>+0(SB)/4, $0xbe7ffffc
DATA logP7<>+4(SB)/4, $0xbe7ffffc
DATA logP7<>+8(SB)/4, $0xbe7ffffc
DATA logP7<>+12(SB)/4, $0xbe7ffffc
DATA logP7<>+16(SB)/4, $0xbe7ffffc
DATA logP7<>+20(SB)/4, $0xbe7ffffc
DATA logP7<>+24(SB)/4, $0xbe7ffffc
DATA logP7<>+28(SB)/4, $0xbe7ffffc
GLOBL logP7<>(SB), RODATA|NOPTR, $32

DATA logP8<>+0(SB)/4, $0x3eaaaaaa
DATA logP8<>+4(SB)/4, $0x3eaaaaaa
DATA logP8<>+8(SB)/4, $0x3eaaaaaa
DATA logP8<>+12(SB)/4, $0x3eaaaaaa
DATA logP8<>+16(SB)/4, $0x3eaaaaaa
DATA logP8<>+20(SB)/4, $0x3eaaaaaa
DATA logP8<>+24(SB)/4, $0x3eaaaaaa
DATA logP8<>+28(SB)/4, $0x3eaaaaaa
GLOBL logP8<>(SB), RODATA|NOPTR, $32

DATA logQ1<>+0(SB)/4, $0xb95e8083
DATA logQ1<>+4(SB)/4, $0xb95e8083
DATA logQ1<>+8(SB)/4, $0xb95e8083
DATA logQ1<>+12(SB)/4, $0xb95e8083
DATA logQ1<>+16(SB)/4, $0xb95e8083
DATA logQ1<>+20(SB)/4, $0xb95e8083
DATA logQ1<>+24(SB)/4, $0xb95e8083
DATA logQ1<>+28(SB)/4, $0xb95e8083
GLOBL logQ1<>(SB), RODATA|NOPTR, $32

DATA logQ2<>+0(SB)/4, $0x3f318000
DATA logQ2<>+4(SB)/4, $0x3f318000
DATA logQ2<>+8(SB)/4, $0x3f318000
DATA logQ2<>+12(SB)/4, $0x3f318000
DATA logQ2<>+16(SB)/4, $0x3f318000
DATA logQ2<>+20(SB)/4, $0x3f318000
DATA logQ2<>+24(SB)/4, $0x3f318000
DATA logQ2<>+28(SB)/4, $0x3f318000
GLOBL logQ2<>(SB), RODATA|NOPTR, $32

DATA absmask<>+0(SB)/4, $0x7fffffff
DATA absmask<>+4(SB)/4, $0x7fffffff
DATA absmask<>+8(SB)/4, $0x7fffffff
DATA absmask<>+12(SB)/4, $0x7fffffff
DATA absmask<>+16(SB)/4, $0x7fffffff
DATA absmask<>+20(SB)/4, $0x7fffffff
DATA absmask<>+24(SB)/4, $0x7fffffff
DATA absmask<>+28(SB)/4, $0x7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $32

DATA rsqrt2<>+0(SB)/4, $0x3f3504f3
DATA rsqrt2<>+4(SB)/4, $0x3f3504f3
DATA rsqrt2<>+8(SB)/4, $0x3f3504f3
DATA rsqrt2<>+12(SB)/4, $0x3f3504f3
DATA rsqrt2<>+16(SB)/4, $0x3f3504f3
DATA rsqrt2<>+20(SB)/4, $0x3f3504f3
DATA rsqrt2<>+24(SB)/4, $0x3f3504f3
DATA rsqrt2<>+28(SB)/4, $0x3f3504f3
GLOBL rsqrt2<>(SB), RODATA|NOPTR, $32

DATA erfP<>+0(SB)/4, $0x3ea7ba05
DATA erfP<>+4(SB)/4, $0x3ea7ba05
DATA erfP<>+8(SB)/4, $0x3ea7ba05
DATA erfP<>+12(SB)/4, $0x3ea7ba05
DATA erfP<>+16(SB)/4, $0x3ea7ba05
DATA erfP<>+20(SB)/4, $0x3ea7ba05
DATA erfP<>+24(SB)/4, $0x3ea7ba05
DATA erfP<>+28(SB)/4, $0x3ea7ba05
GLOBL erfP<>(SB), RODATA|NOPTR, $32

DATA erfA1<>+0(SB)/4, $0x3e827906
DATA erfA1<>+4(SB)/4, $0x3e827906
DATA erfA1<>+8(SB)/4, $0x3e827906
DATA erfA1<>+12(SB)/4, $0x3e827906
DATA erfA1<>+16(SB)/4, $0x3e827906
DATA erfA1<>+20(SB)/4, $0x3e827906
DATA erfA1<>+24(SB)/4, $0x3e827906
DATA erfA1<>+28(SB)/4, $0x3e827906
GLOBL erfA1<>(SB), RODATA|NOPTR, $32

DATA erfA2<>+0(SB)/4, $0xbe91a98e
DATA erfA2<>+4(SB)/4, $0xbe91a98e
DATA erfA2<>+8(SB)/4, $0xbe91a98e
DATA erfA2<>+12(SB)/4, $0xbe91a98e
DATA erfA2<>+16(SB)/4, $0xbe91a98e
DATA erfA2<>+20(SB)/4, $0xbe91a98e
DATA erfA2<>+24(SB)/4, $0xbe91a98e
DATA erfA2<>+28(SB)/4, $0xbe91a98e
GLOBL erfA2<>(SB), RODATA|NOPTR, $32

DATA erfA3<>+0(SB)/4, $0x3fb5f0e3
DATA erfA3<>+4(SB)/4, $0x3fb5f0e3
DATA erfA3<>+8(SB)/4, $0x3fb5f0e3
DATA erfA3<>+12(SB)/4, $0x3fb5f0e3
DATA erfA3<>+16(SB)/4, $0x3fb5f0e3
DATA erfA3<>+20(SB)/4, $0x3fb5f0e3
DATA erfA3<>+24(SB)/4, $0x3fb5f0e3
DATA erfA3<>+28(SB)/4, $0x3fb5f0e3
GLOBL erfA3<>(SB), RODATA|NOPTR, $32

DATA erfA4<>+0(SB)/4, $0xbfba00e3
DATA erfA4<>+4(SB)/4, $0xbfba00e3
DATA erfA4<>+8(SB)/4, $0xbfba00e3
DATA erfA4<>+12(SB)/4, $0xbfba00e3
DATA erfA4<>+16(SB)/4, $0xbfba00e3
DATA erfA4<>+20(SB)/4, $0xbfba00e3
DATA erfA4<>+24(SB)/4, $0xbfba00e3
DATA erfA4<>+28(SB)/4, $0xbfba00e3
GLOBL erfA4<>(SB), RODATA|NOPTR, $32

DATA erfA5<>+0(SB)/4, $0x3f87dc22
DATA erfA5<>+4(SB)/4, $0x3f87dc22
DATA erfA5<>+8(SB)/4, $0x3f87dc22
DATA erfA5<>+12(SB)/4, $0x3f87dc22
DATA erfA5<>+16(SB)/4, $0x3f87dc22
DATA erfA5<>+20(SB)/4, $0x3f87dc22
DATA erfA5<>+24(SB)/4, $0x3f87dc22
DATA erfA5<>+28(SB)/4, $0x3f87dc22
GLOBL erfA5<>(SB), RODATA|NOPTR, $32

DATA invSqrt2Pi<>+0(SB)/4, $0x3ecc422a
DATA invSqrt2Pi<>+4(SB)/4, $0x3ecc422a
DATA invSqrt2Pi<>+8(SB)/4, $0x3ecc422a
DATA invSqrt2Pi<>+12(SB)/4, $0x3ecc422a
DATA invSqrt2Pi<>+16(SB)/4, $0x3ecc422a
DATA invSqrt2Pi<>+20(SB)/4, $0x3ecc422a
DATA invSqrt2Pi<>+24(SB)/4, $0x3ecc422a
DATA invSqrt2Pi<>+28(SB)/4, $0x3ecc422a
GLOBL invSqrt2Pi<>(SB), RODATA|NOPTR, $32

DATA e2magic<>+0(SB)/4, $0x4b40007f
DATA e2magic<>+4(SB)/4, $0x4b40007f
DATA e2magic<>+8(SB)/4, $0x4b40007f
DATA e2magic<>+12(SB)/4, $0x4b40007f
DATA e2magic<>+16(SB)/4, $0x4b40007f
DATA e2magic<>+20(SB)/4, $0x4b40007f
DATA e2magic<>+24(SB)/4, $0x4b40007f
DATA e2magic<>+28(SB)/4, $0x4b40007f
GLOBL e2magic<>(SB), RODATA|NOPTR, $32

DATA e2lo<>+0(SB)/4, $0xc2fc0000
DATA e2lo<>+4(SB)/4, $0xc2fc0000
DATA e2lo<>+8(SB)/4, $0xc2fc0000
DATA e2lo<>+12(SB)/4, $0xc2fc0000
DATA e2lo<>+16(SB)/4, $0xc2fc0000
DATA e2lo<>+20(SB)/4, $0xc2fc0000
DATA e2lo<>+24(SB)/4, $0xc2fc0000
DATA e2lo<>+28(SB)/4, $0xc2fc0000
GLOBL e2lo<>(SB), RODATA|NOPTR, $32

DATA e2c0<>+0(SB)/4, $0x3f800000
DATA e2c0<>+4(SB)/4, $0x3f800000
DATA e2c0<>+8(SB)/4, $0x3f800000
DATA e2c0<>+12(SB)/4, $0x3f800000
DATA e2c0<>+16(SB)/4, $0x3f800000
DATA e2c0<>+20(SB)/4, $0x3f800000
DATA e2c0<>+24(SB)/4, $0x3f800000
DATA e2c0<>+28(SB)/4, $0x3f800000
GLOBL e2c0<>(SB), RODATA|NOPTR, $32

DATA e2c1<>+0(SB)/4, $0x3f317218
DATA e2c1<>+4(SB)/4, $0x3f317218
DATA e2c1<>+8(SB)/4, $0x3f317218
DATA e2c1<>+12(SB)/4, $0x3f317218
DATA e2c1<>+16(SB)/4, $0x3f317218
DATA e2c1<>+20(SB)/4, $0x3f317218
DATA e2c1<>+24(SB)/4, $0x3f317218
DATA e2c1<>+28(SB)/4, $0x3f317218
GLOBL e2c1<>(SB), RODATA|NOPTR, $32

DATA e2c2<>+0(SB)/4, $0x3e75fded
DATA e2c2<>+4(SB)/4, $0x3e75fded
DATA e2c2<>+8(SB)/4, $0x3e75fded
DATA e2c2<>+12(SB)/4, $0x3e75fded
DATA e2c2<>+16(SB)/4, $0x3e75fded
DATA e2c2<>+20(SB)/4, $0x3e75fded
DATA e2c2<>+24(SB)/4, $0x3e75fded
DATA e2c2<>+28(SB)/4, $0x3e75fded
GLOBL e2c2<>(SB), RODATA|NOPTR, $32

DATA e2c3<>+0(SB)/4, $0x3d63576a
DATA e2c3<>+4(SB)/4, $0x3d63576a
DATA e2c3<>+8(SB)/4, $0x3d63576a
DATA e2c3<>+12(SB)/4, $0x3d63576a
DATA e2c3<>+16(SB)/4, $0x3d63576a
DATA e2c3<>+20(SB)/4, $0x3d63576a
DATA e2c3<>+24(SB)/4, $0x3d63576a
DATA e2c3<>+28(SB)/4, $0x3d63576a
GLOBL e2c3<>(SB), RODATA|NOPTR, $32

DATA e2c4<>+0(SB)/4, $0x3c1d96df
DATA e2c4<>+4(SB)/4, $0x3c1d96df
DATA e2c4<>+8(SB)/4, $0x3c1d96df
DATA e2c4<>+12(SB)/4, $0x3c1d96df
DATA e2c4<>+16(SB)/4, $0x3c1d96df
DATA e2c4<>+20(SB)/4, $0x3c1d96df
DATA e2c4<>+24(SB)/4, $0x3c1d96df
DATA e2c4<>+28(SB)/4, $0x3c1d96df
GLOBL e2c4<>(SB), RODATA|NOPTR, $32

DATA e2c5<>+0(SB)/4, $0x3aafa2b2
DATA e2c5<>+4(SB)/4, $0x3aafa2b2
DATA e2c5<>+8(SB)/4, $0x3aafa2b2
DATA e2c5<>+12(SB)/4, $0x3aafa2b2
DATA e2c5<>+16(SB)/4, $0x3aafa2b2
DATA e2c5<>+20(SB)/4, $0x3aafa2b2
DATA e2c5<>+24(SB)/4, $0x3aafa2b2
DATA e2c5<>+28(SB)/4, $0x3aafa2b2
GLOBL e2c5<>(SB), RODATA|NOPTR, $32

DATA e2c6<>+0(SB)/4, $0x3920e8ad
DATA e2c6<>+4(SB)/4, $0x3920e8ad
DATA e2c6<>+8(SB)/4, $0x3920e8ad
DATA e2c6<>+12(SB)/4, $0x3920e8ad
DATA e2c6<>+16(SB)/4, $0x3920e8ad
DATA e2c6<>+20(SB)/4, $0x3920e8ad
DATA e2c6<>+24(SB)/4, $0x3920e8ad
DATA e2c6<>+28(SB)/4, $0x3920e8ad
GLOBL e2c6<>(SB), RODATA|NOPTR, $32

DATA log2ev<>+0(SB)/4, $0x3fb8aa3b
DATA log2ev<>+4(SB)/4, $0x3fb8aa3b
DATA log2ev<>+8(SB)/4, $0x3fb8aa3b
DATA log2ev<>+12(SB)/4, $0x3fb8aa3b
DATA log2ev<>+16(SB)/4, $0x3fb8aa3b
DATA log2ev<>+20(SB)/4, $0x3fb8aa3b
DATA log2ev<>+24(SB)/4, $0x3fb8aa3b
DATA log2ev<>+28(SB)/4, $0x3fb8aa3b
GLOBL log2ev<>(SB), RODATA|NOPTR, $32
