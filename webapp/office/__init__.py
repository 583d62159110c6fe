"""The four office verbs (issue 8, item 6): 退回 send back, 撤回 withdraw, 转办 transfer, 催办 urge."""
