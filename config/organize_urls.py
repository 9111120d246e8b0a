"""The organizers' console, mounted once at /organize/: one map of its pages, whose views live
with the area each page serves (years and class sets with the competition, files with the
hosted data, announcements with the notices, the log with the audit, teams with the teams,
ground truth, rescoring, entries, quotas and statistics with the submissions). Every view is
wrapped in challenge.accounts.roles.organizer_required."""

from django.urls import path

from challenge.annotation import organizer_views as annotation
from challenge.audit import views as audit
from challenge.competition import organizer_views as competition
from challenge.datafiles import organizer_views as datafiles
from challenge.notices import organizer_views as notices
from challenge.teams import organizer_views as teams
from submissions import organizer_views as submissions

app_name = "organize"

urlpatterns = [
    path("", competition.dashboard, name="dashboard"),
    path("audit/", audit.audit_log, name="audit"),
    path("class-sets/", competition.class_sets, name="class-sets"),
    path("years/new/", competition.year_create, name="year-create"),
    path("years/<slug:slug>/", competition.year_overview, name="year"),
    path("years/<slug:slug>/edit/", competition.year_edit, name="year-edit"),
    path("years/<slug:slug>/copy/", competition.year_copy, name="year-copy"),
    path("years/<slug:slug>/tasks/new/", competition.task_edit, name="task-create"),
    path("years/<slug:slug>/tasks/<slug:task_slug>/edit/", competition.task_edit, name="task-edit"),
    path("years/<slug:slug>/tasks/<slug:task_slug>/<str:split_name>/new-subset/", competition.split_new_subset,
         name="split-new-subset"),
    path("years/<slug:slug>/tasks/<slug:task_slug>/<str:split_name>/ground-truth/", submissions.ground_truth,
         name="ground-truth"),
    path("years/<slug:slug>/tasks/<slug:task_slug>/<str:split_name>/ground-truth/revise/", submissions.revise_labels,
         name="revise-labels"),
    path("years/<slug:slug>/classes/revisions/", submissions.class_revisions, name="class-revisions"),
    path("years/<slug:slug>/annotation/", annotation.annotation, name="annotation"),
    path("years/<slug:slug>/annotation/<int:pk>/", annotation.task_page, name="annotation-task"),
    path("years/<slug:slug>/annotation/<int:pk>/aggregate/", annotation.aggregate, name="annotation-aggregate"),
    path("years/<slug:slug>/annotation/<int:pk>/publish/", annotation.publish, name="annotation-publish"),
    path("years/<slug:slug>/files/", datafiles.data_files, name="data-files"),
    path("years/<slug:slug>/files/<int:pk>/remove/", datafiles.data_file_remove, name="data-file-remove"),
    path("years/<slug:slug>/announcements/", notices.announcement_list, name="announcements"),
    path("years/<slug:slug>/announcements/new/", notices.announcement_edit, name="announcement-create"),
    path("years/<slug:slug>/announcements/<int:pk>/edit/", notices.announcement_edit, name="announcement-edit"),
    path("years/<slug:slug>/announcements/<int:pk>/delete/", notices.announcement_delete,
         name="announcement-delete"),
    path("years/<slug:slug>/rescoring/", submissions.rescoring_jobs, name="rescoring"),
    path("years/<slug:slug>/rescoring/start/", submissions.rescore_split, name="rescore-split"),
    path("years/<slug:slug>/rescoring/status/", submissions.rescoring_status, name="rescoring-status"),
    path("years/<slug:slug>/entries/", submissions.entries, name="entries"),
    path("years/<slug:slug>/entries/bulk/", submissions.entries_bulk, name="entries-bulk"),
    path("years/<slug:slug>/splits/<int:split_pk>/submissions.zip", submissions.split_submissions_zip,
         name="split-submissions-zip"),
    path("years/<slug:slug>/entries/<int:pk>/moderate/", submissions.entry_moderate, name="entry-moderate"),
    path("years/<slug:slug>/entries/<int:pk>/baseline/", submissions.entry_baseline, name="entry-baseline"),
    path("years/<slug:slug>/teams/", teams.teams, name="teams"),
    path("years/<slug:slug>/teams/<int:pk>/ban/", teams.team_ban, name="team-ban"),
    path("years/<slug:slug>/teams/<int:pk>/quota/", submissions.team_quota, name="team-quota"),
    path("years/<slug:slug>/signals/", submissions.signals, name="signals"),
    path("years/<slug:slug>/signals/pool/", submissions.quota_pool, name="quota-pool"),
    path("years/<slug:slug>/signals/ban/", submissions.teams_ban, name="teams-ban"),
    path("years/<slug:slug>/pools/<int:pk>/leave/", submissions.quota_unpool, name="quota-unpool"),
    path("years/<slug:slug>/statistics/", submissions.statistics, name="statistics"),
    path("years/<slug:slug>/statistics.csv", submissions.statistics_csv, name="statistics-csv"),
]
