from django.urls import path

from challenge.organizer import announcements, class_sets, data, years

app_name = "organize"

urlpatterns = [
    path("", years.dashboard, name="dashboard"),
    path("audit/", data.audit_log, name="audit"),
    path("class-sets/", class_sets.class_sets, name="class-sets"),
    path("years/new/", years.year_create, name="year-create"),
    path("years/<slug:slug>/", years.year_overview, name="year"),
    path("years/<slug:slug>/edit/", years.year_edit, name="year-edit"),
    path("years/<slug:slug>/tasks/new/", years.task_edit, name="task-create"),
    path("years/<slug:slug>/tasks/<slug:task_slug>/edit/", years.task_edit, name="task-edit"),
    path("years/<slug:slug>/tasks/<slug:task_slug>/<str:split_name>/new-subset/", years.split_new_subset,
         name="split-new-subset"),
    path("years/<slug:slug>/files/", data.data_files, name="data-files"),
    path("years/<slug:slug>/files/<int:pk>/remove/", data.data_file_remove, name="data-file-remove"),
    path("years/<slug:slug>/announcements/", announcements.announcement_list, name="announcements"),
    path("years/<slug:slug>/announcements/new/", announcements.announcement_edit, name="announcement-create"),
    path("years/<slug:slug>/announcements/<int:pk>/edit/", announcements.announcement_edit, name="announcement-edit"),
    path("years/<slug:slug>/announcements/<int:pk>/delete/", announcements.announcement_delete,
         name="announcement-delete"),
]
