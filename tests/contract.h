/* contract.h: the results files' headers as DESIGN.md and the README fix them, for tests to check against. */
#ifndef PB_CONTRACT_H
#define PB_CONTRACT_H

/* raw.csv: DESIGN.md's columns in its order (later columns are appended after cpus). */
#define RAW_HEADER                                                                                  \
	"run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,wall_s,setup_s," \
	"user_s,sys_s,max_rss_kb,result,verified,cpus"

/* summary.csv: the case columns, the statistics, then set-up, CPU time and the counters' medians,
 * then the per-operation figures of mechanism cases. */
#define SUMMARY_HEADER                                                                        \
	"workload,size,params,variant,workers,tasks,chunk,schedule,bind,reps,median_s,min_s,"  \
	"max_s,mean_s,stddev_s,ci_lo_s,ci_hi_s,outliers,speedup,efficiency,verified,setup_s," \
	"user_s,sys_s,counters,per_op_s,per_op_ci_lo_s,per_op_ci_hi_s,bytes_per_s"

/* counters.csv: the whole case key, the repetition, then one event's value. */
#define COUNTERS_HEADER                                                                          \
	"run_id,workload,size,params,variant,workers,tasks,chunk,schedule,bind,rep,backend,event," \
	"value"

#endif
