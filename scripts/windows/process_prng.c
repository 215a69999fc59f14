/*
 * Test setup only, never shipped: Debian 12's Wine 8 has no ProcessPrng in
 * bcryptprimitives.dll, which Rust's standard library imports on Windows for random bytes.
 * This DLL, placed beside the executable under test (with WINEDLLOVERRIDES preferring it),
 * exports ProcessPrng over RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 * Windows 10 and later have ProcessPrng themselves.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
