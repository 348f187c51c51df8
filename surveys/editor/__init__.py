"""The survey editor for admins: /manage/surveys/ (forms, saving, pages, the live preview)."""
