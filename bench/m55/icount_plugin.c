/* QEMU TCG plugin: counts the guest instructions executed and records the running count each
 * time the guest enters one marker function, so that a bench image can bracket the code it
 * measures with two calls of it. Usage:
 *   qemu-system-arm ... -plugin icount_plugin.so,mark=0xADDR -d plugin -D counts.log
 * writes "mark N COUNT" lines at exit. Counting is per translated block (QEMU adds the
 * block's instruction count when it starts executing), so an instruction counts once each
 * time it runs, whatever it does; QEMU has no cycle model.
 *
 * Written against QEMU's plugin ABI version 1 (QEMU 7.2, Debian 12); the few declarations
 * below are that ABI's, so that no QEMU source tree is needed to build the plugin. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*rq_tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*rq_vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*rq_udata_cb)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, rq_tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, rq_vcpu_udata_cb cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, rq_udata_cb cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_MARKS 4096
static uint64_t executed;       /* instructions so far (one guest CPU) */
static uint64_t mark_addr = ~0ull;
static uint64_t marks[MAX_MARKS];
static int n_marks;

static void on_mark(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index, (void)userdata;
    if (n_marks < MAX_MARKS)
        marks[n_marks++] = executed;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed,
                                             qemu_plugin_tb_n_insns(tb));
    if ((qemu_plugin_tb_vaddr(tb) & ~1ull) == (mark_addr & ~1ull))
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
}

static void at_qemu_exit(qemu_plugin_id_t id, void *userdata)
{
    char line[64];
    int i;
    (void)id, (void)userdata;
    for (i = 0; i < n_marks; i++) {
        snprintf(line, sizeof line, "mark %d %llu\n", i, (unsigned long long)marks[i]);
        qemu_plugin_outs(line);
    }
    snprintf(line, sizeof line, "total %llu\n", (unsigned long long)executed);
    qemu_plugin_outs(line);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const void *info,
                                                               int argc, char **argv)
{
    int i;
    (void)info;
    for (i = 0; i < argc; i++)
        if (!strncmp(argv[i], "mark=", 5))
            mark_addr = strtoull(argv[i] + 5, NULL, 0);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_qemu_exit, NULL);
    return 0;
}
