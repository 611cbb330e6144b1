"""The probe that keeps llama.cpp off its AMX path, on sample /proc/cpuinfo texts."""

import pytest

from ratchet.errors import UserError
from ratchet.models.cpu import choose_setting, cpu_flags

SAPPHIRE_RAPIDS = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch avx2 avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512_bf16 avx512vbmi avx512_vbmi2 avx512_vnni avx512_bitalg avx512_vpopcntdq avx512_fp16 amx_bf16 amx_tile amx_int8 arch_capabilities
bugs\t\t: spectre_v1 spectre_v2

processor\t: 1
flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile amx_int8
"""
ZEN4 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9654 96-Core Processor
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl cpuid pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy svm cr8_legacy abm sse4a misalignsse 3dnowprefetch avx2 avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512_bf16 avx512vbmi avx512_vbmi2 avx512_vnni avx512_bitalg avx512_vpopcntdq
"""
HASWELL = """processor\t: 0
model name\t: Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep sse sse2 ht syscall nx lm pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand avx2 bmi1 bmi2
"""
GRAVITON = """processor\t: 0
BogoMIPS\t: 243.75
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm
CPU implementer\t: 0x41
"""


def test_flags_are_read_from_x86_and_arm_lines():
    assert {"amx_tile", "avx2", "avx512f"} <= cpu_flags(SAPPHIRE_RAPIDS)
    assert "sve" in cpu_flags(GRAVITON) and "amx_tile" not in cpu_flags(GRAVITON)
    assert cpu_flags("") == frozenset()


def test_an_amx_cpu_gets_the_safe_setting_and_says_why():
    setting = choose_setting(SAPPHIRE_RAPIDS, {})
    assert setting.use_extra_bufts is False
    assert "amx_bf16, amx_int8, amx_tile" in setting.reason
    assert setting.identity_suffix == "+no-extra-bufts"


@pytest.mark.parametrize("cpuinfo", [ZEN4, HASWELL, GRAVITON, ""])
def test_cpus_without_amx_keep_the_fast_setting(cpuinfo):
    setting = choose_setting(cpuinfo, {})
    assert setting.use_extra_bufts is True and setting.identity_suffix == ""


def test_a_single_amx_flag_is_enough():
    assert choose_setting("flags : avx2 amx_tile\n", {}).use_extra_bufts is False


def test_the_environment_overrides_the_probe_both_ways():
    assert choose_setting(ZEN4, {"RATCHET_LLAMA_SAFE_CPU": "1"}).use_extra_bufts is False
    assert choose_setting(SAPPHIRE_RAPIDS, {"RATCHET_LLAMA_SAFE_CPU": "0"}).use_extra_bufts is True
    assert choose_setting(SAPPHIRE_RAPIDS, {"RATCHET_LLAMA_SAFE_CPU": ""}).use_extra_bufts is False


def test_a_bad_override_is_a_one_line_user_error():
    with pytest.raises(UserError, match="RATCHET_LLAMA_SAFE_CPU must be 0 or 1, got 'yes'"):
        choose_setting(ZEN4, {"RATCHET_LLAMA_SAFE_CPU": "yes"})


def test_the_server_wrapper_refuses_a_bad_override_in_one_line():
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ratchet.models.llama_server", "--help"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "RATCHET_LLAMA_SAFE_CPU": "yes"})
    assert result.returncode == 2
    assert result.stderr.strip() == "error: RATCHET_LLAMA_SAFE_CPU must be 0 or 1, got 'yes'"
