/*
 * Test setup only: opens a file the way a Windows program that locks it does (no sharing:
 * other processes cannot open it while this one runs), prints "held", and keeps it open
 * until its standard input closes.
 */
#include <stdio.h>
#include <windows.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 2) {
        fwprintf(stderr, L"usage: hold_file PATH\n");
        return 2;
    }
    HANDLE h = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fwprintf(stderr, L"cannot open %ls: error %lu\n", argv[1], GetLastError());
        return 1;
    }
    printf("held\n");
    fflush(stdout);
    char buf[64];
    while (fgets(buf, sizeof buf, stdin) != NULL) {
    }
    CloseHandle(h);
    return 0;
}
