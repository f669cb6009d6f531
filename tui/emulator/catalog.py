"""Static material for plausible demo data: dataset names, field lists, failure kinds."""

from __future__ import annotations

from dataclasses import dataclass

PROFILE_UNION_SCHEMA = "https://ns.adobe.com/xdm/context/profile__union"
XED_CONTENT_TYPE = "application/vnd.adobe.xed+json;version=1"
PROFILE_SCHEMA_NAME = "_xdm.context.profile"

UNION_DATASET_NAMES = (
    "Profile Export - Daily Snapshot",
    "Profile Export - Marketing Attributes",
    "Profile Export - Loyalty Members",
    "Profile Export - Consent Audit",
)
SANDBOX_DATASET_NAME = "Profile Export Target"
EVENT_DATASET_NAME = "Web Events (ExperienceEvent)"

FIELD_LISTS = (
    "",
    "identities.id,personalEmail.address",
    "identityMap",
    "person.name.firstName,person.name.lastName,personalEmail.address",
    "identities.id,homeAddress.city,homeAddress.country,person.birthDayAndMonth",
    "identityMap,consents.marketing.email.val,consents.marketing.push.val",
    "loyalty.tier,loyalty.points,loyalty.joinDate,personalEmail.address",
    "identities.id,mobilePhone.number,preferredLanguage",
)
EVENT_FIELD_LISTS = (
    "environment.browserDetails.name,environment.browserDetails.version",
    "web.webPageDetails.name,web.webPageDetails.URL,timestamp",
    "commerce.order.priceTotal,commerce.purchases.value,productListItems.SKU",
    "eventType,timestamp,channel.typeAtSource",
)


@dataclass(frozen=True, slots=True)
class FailureKind:
    """One realistic way an export fails: in which phase, with which errors."""

    phase: str  # "export" or "write"
    errors: tuple[tuple[str, str, str], ...]  # (code, msg template, callStack); {job} {dataset} {batch}


FAILURE_KINDS = (
    FailureKind("export", (
        ("0090000009",
         "Error writing profiles to output path 'adl://va7prodprofilesnapshot.azuredatalakestore.net/"
         "snapshot/{job}'",
         "com.adobe.aep.unifiedprofile.common.logging.Logger.error(Logger.java:81)\n"
         "com.adobe.aep.unifiedprofile.export.SnapshotWriter.write(SnapshotWriter.java:212)"),
        ("unknown", "Job aborted.",
         "org.apache.spark.SparkException: Job aborted.\n"
         "\tat org.apache.spark.sql.execution.datasources.FileFormatWriter$.write(FileFormatWriter.scala:231)"),
    )),
    FailureKind("export", (
        ("unknown",
         "Job aborted due to stage failure: Task 17 in stage 4.0 failed 4 times, most recent failure: "
         "ExecutorLostFailure (executor 9 exited caused by one of the running tasks) Reason: Container "
         "killed by YARN for exceeding memory limits.",
         "org.apache.spark.SparkException: Job aborted due to stage failure\n"
         "\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2454)"),
    )),
    FailureKind("export", (
        ("0090000004",
         "Merge policy snapshot is not available yet for the requested merge policy; retry after the "
         "next profile snapshot.",
         "com.adobe.aep.unifiedprofile.export.MergePolicyResolver.resolve(MergePolicyResolver.java:97)"),
    )),
    FailureKind("write", (
        ("0090000012",
         "Failed to write batch {batch} to dataset {dataset}: the dataset is not enabled for the "
         "profile union schema or was deleted.",
         "com.adobe.aep.unifiedprofile.export.AcpDatasetWriter.commit(AcpDatasetWriter.java:148)\n"
         "com.adobe.platform.catalog.client.CatalogException: 404 DataSet not found."),
    )),
    FailureKind("write", (
        ("0090000015",
         "Batch {batch} was rejected by ingestion: 3 of 128 files failed validation.",
         "com.adobe.aep.unifiedprofile.export.AcpDatasetWriter.awaitBatch(AcpDatasetWriter.java:203)"),
        ("unknown", "Job aborted.", "org.apache.spark.SparkException: Job aborted."),
    )),
)

CANCEL_ERROR = {
    "code": "EMULATOR-CANCELLED",
    "msg": "Export job was cancelled at the user's request.",
    "callStack": "",
}
