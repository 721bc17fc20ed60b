/* The --spatial part of `rppgq export-c` (kept apart from the Temporal Fusion export). */
#ifndef RQ_EXPORT_SPATIAL_H
#define RQ_EXPORT_SPATIAL_H

/* True if argv holds --spatial. */
int rq_export_wants_spatial(int argc, char **argv);
/* Removes "--spatial MODEL" and "--rounding MODE" from argv (in place) into *model and
 * *rounding; returns the new argc, or -1 (usage message printed) if a value is missing. */
int rq_export_take_spatial(int argc, char **argv, const char **model, const char **rounding);
/* Writes DIR/spatial_cnn_int8.{c,h} (creating DIR if missing). Returns an exit status. */
int rq_export_spatial(const char *model, const char *out_dir, const char *rounding);

#define RQ_EXPORT_SPATIAL_USAGE                                                              \
    "  --spatial MODEL  also (or only) export an int8 .tflite Spatial CNN for the MCU CPU\n"   \
    "                   path: spatial_cnn_int8.{c,h} (weights, biases, multipliers, shifts,\n" \
    "                   zero points, input contract as const data) plus the runtime it needs\n" \
    "                   (int8 kernels, net runner, preprocessing, smoother; see docs/mcu.md)\n" \
    "  --rounding MODE  requantization of the CPU path: double (TFLite Micro's default) or\n" \
    "                   single (TFLITE_SINGLE_ROUNDING); default double\n"

#endif
